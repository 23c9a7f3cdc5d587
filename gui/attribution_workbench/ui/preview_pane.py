"""The preview: the PreparedRequest that Send will send, as form body, URL, curl, Python or JSON.

The pane never encodes anything itself: it is handed the PreparedRequest object the window
keeps for Send and calls ``render()`` on it. The key is masked unless ``reveal_key`` is on;
Copy copies exactly the text on screen, and for curl/Python offers a variant that reads the
key from ``$AMPLITUDE_API_KEY`` so a working command can be shared without the secret.

Rebuilds run on every keystroke, and a 200-property form body is one 14 kB line, which
Qt lays out as a single paragraph. To stay inside the 2 ms budget the pane does no
highlighting, skips unchanged text, replaces only the part that changed (which also keeps
the scroll position while the user types), wraps the percent-encoded formats anywhere
(word-boundary analysis of a space-free line costs 4x more) and asks the font to skip
complex shaping.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QKeySequence,
    QTextOption,
)
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.wire import (
    KEY_ENV_VAR,
    Format,
    KeyStyle,
    PreparedRequest,
    Transport,
    WireError,
)
from attribution_workbench.ui.layout import buddy_label, choice_box, fit_wrap

FORMAT_ITEMS = (
    (Format.BODY, "Form body"),
    (Format.QUERY, "Query URL"),
    (Format.CURL, "curl"),
    (Format.PYTHON, "Python"),
    (Format.JSON, "Decoded JSON"),
)
TRANSPORT_ITEMS = (
    (Transport.BODY, "Form body (POST)"),
    (Transport.QUERY, "Query string (POST, no body)"),
)
ENV_FORMATS = (Format.CURL, Format.PYTHON)
# "Copy as … with $AMPLITUDE_API_KEY": whatever format the preview shows.
# The menu items' texts, with a mnemonic each (unique in their menu: View, Edit). The tabs
# show FORMAT_ITEMS without one: their Alt+letters would clash with the form's.
FORMAT_MENU_TEXT = {
    Format.BODY: "&Form body",
    Format.QUERY: "&Query URL",
    Format.CURL: "&curl",
    Format.PYTHON: "&Python",
    Format.JSON: "Decoded &JSON",
}
COPY_AS_ITEMS = ((Format.CURL, "c&url"), (Format.PYTHON, "&Python"), (Format.HTTPIE, "&HTTPie"))
NO_BODY_NOTE = (
    "No body: with the query-string transport both parameters travel in the URL "
    "(see Query URL). Content-Length is 0."
)


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """(start, end in old, end in new) of the part that differs; slices compare in C."""
    limit = min(len(old), len(new))
    low, high = 0, limit  # the longest common prefix, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    start = low
    low, high = 0, limit - start  # the longest common suffix that does not overlap it
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return start, len(old) - low, len(new) - low


SHOW_LIMIT = 200_000  # characters of a rendering laid out on screen


def too_long_note(length: int) -> str:
    return (
        f"\n\n[… {length - SHOW_LIMIT:,} more characters are not shown: the request is "
        f"{length:,} characters long. Send and Copy use all of it, exactly.]"
    )


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shortcut_text(action: QAction) -> str:
    sequence = action.shortcut()
    return sequence.toString(QKeySequence.SequenceFormat.NativeText) if sequence else ""


class PreviewPane(QGroupBox):
    """Shows one PreparedRequest; emits ``transport_changed`` when the user changes it."""

    transport_changed = Signal()
    status_message = Signal(str)

    def hide_transport(self) -> None:
        """For a request with one transport only (the HTTP API V2 app event: JSON)."""
        self.transport_label.hide()
        self.transport.hide()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Preview — exactly what Send sends", parent)
        self._request: PreparedRequest | None = None
        self._problem = ""
        self._shown = ""

        # Actions first: the window puts them in its menus, the buttons here reuse them.
        self.reveal_action = QAction(assets.qicon(assets.Icon.REVEAL), "&Reveal key", self)
        self.reveal_action.setCheckable(True)
        self.reveal_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.reveal_action.toggled.connect(self._on_reveal_toggled)
        self.copy_action = QAction(assets.qicon(assets.Icon.COPY), "&Copy preview", self)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.triggered.connect(self.copy_shown)
        self.copy_env_action = QAction(f"Copy &with ${KEY_ENV_VAR} for the key", self)
        self.copy_env_action.triggered.connect(self.copy_with_env)
        self.copy_as_actions: dict[Format, QAction] = {}
        for fmt, label in COPY_AS_ITEMS:
            action = QAction(f"Copy as {label} with ${KEY_ENV_VAR}", self)
            action.setData(fmt.value)
            action.triggered.connect(self._on_copy_as)
            self.copy_as_actions[fmt] = action
        self.format_group = QActionGroup(self)
        self.format_group.setExclusive(True)
        self.format_actions: dict[Format, QAction] = {}
        for number, (fmt, _tab_text) in enumerate(FORMAT_ITEMS, start=1):
            action = QAction(FORMAT_MENU_TEXT[fmt], self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setData(fmt.value)
            action.triggered.connect(self._on_format_action)
            self.format_group.addAction(action)
            self.format_actions[fmt] = action

        self.tabs = QTabBar()
        self.tabs.setObjectName("preview_format")
        self.tabs.setAccessibleName("Preview format")
        self.tabs.setAccessibleDescription(
            "Show the request as form body, query URL, curl, Python or decoded JSON"
        )
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        for fmt, text in FORMAT_ITEMS:
            index = self.tabs.addTab(text)
            self.tabs.setTabData(index, fmt.value)
            shortcut = shortcut_text(self.format_actions[fmt])
            self.tabs.setTabToolTip(index, f"Show the request as {text} ({shortcut})")
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.preview = QPlainTextEdit()
        self.preview.setObjectName("preview")
        self.preview.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        self.preview.setFont(font)
        self.preview.setUndoRedoEnabled(False)
        self.preview.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.preview.setAccessibleName("Request preview")
        self.preview.setAccessibleDescription(
            "The exact request Send will send, in the chosen format. The API key is masked "
            "unless Reveal key is on."
        )

        self.transport = choice_box(
            "transport",
            ((text, transport.value) for transport, text in TRANSPORT_ITEMS),
            accessible=(
                "Transport",
                "How api_key and event travel: in a form-encoded POST body (the default), or "
                "in the query string of a POST without a body (the docs' Android example).",
            ),
            tip="Where the parameters travel: POST body or query string",
        )
        self.transport.currentIndexChanged.connect(self._on_transport_changed)
        # Full width when there is room (its size hint); narrower, the text elided, rather
        # than making the right side, and with the Demo dock open the window, wider than
        # the screen (an explicit minimum overrides the hint's).
        self.transport.setMinimumWidth(self.transport.fontMetrics().horizontalAdvance("Query st…"))

        self.reveal_key = QToolButton()
        self.reveal_key.setObjectName("reveal_key")
        self.reveal_key.setDefaultAction(self.reveal_action)
        self.reveal_key.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reveal_key.setAccessibleName("Reveal key")
        self.reveal_key.setAccessibleDescription("Show the API key in the preview and copies")

        self.copy = QToolButton()
        self.copy.setObjectName("copy_preview")
        self.copy.setDefaultAction(self.copy_action)
        self.copy.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.copy.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.copy)
        menu.addAction(self.copy_action)
        menu.addAction(self.copy_env_action)
        menu.addSeparator()
        menu.addActions(list(self.copy_as_actions.values()))
        self.copy.setMenu(menu)
        self.copy.setAccessibleName("Copy preview")
        self.copy.setAccessibleDescription(
            "Copy the preview exactly as shown; its menu copies curl, Python or HTTPie"
        )

        self.info = QLabel()
        self.info.setObjectName("preview_info")
        self.info.setToolTip(
            "Form body: Content-Type application/x-www-form-urlencoded, RFC 3986 "
            "percent-encoding (%20 for a space), as in the Attribution API docs"
        )
        self.info.setWordWrap(True)
        self.info.setAccessibleName("Request size and transport")

        controls = QHBoxLayout()
        self.transport_label = buddy_label("Send as:", self.transport)
        controls.addWidget(self.transport_label)
        controls.addWidget(self.transport)
        controls.addStretch(1)
        controls.addWidget(self.reveal_key)
        controls.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.preview, 1)
        layout.addLayout(controls)
        layout.addWidget(self.info)
        self._update_tooltips()
        self.set_format(Format.BODY)

    # --- state -------------------------------------------------------------------------
    def current_format(self) -> Format:
        return Format(self.tabs.tabData(self.tabs.currentIndex()))

    def set_format(self, fmt: Format) -> None:
        """Show ``fmt``; the tab change renders it (once) through ``_on_tab_changed``."""
        for index in range(self.tabs.count()):
            if self.tabs.tabData(index) == fmt.value:
                self.tabs.setCurrentIndex(index)
        self.format_actions[fmt].setChecked(True)

    def current_transport(self) -> Transport:
        return Transport(self.transport.currentData())

    def set_transport(self, transport: Transport) -> None:
        self.transport.setCurrentIndex(self.transport.findData(transport.value))

    def key_style(self) -> KeyStyle:
        return KeyStyle.REVEAL if self.reveal_action.isChecked() else KeyStyle.MASK

    def shown_text(self) -> str:
        return self._shown

    def set_request(self, request: PreparedRequest | None, problem: str = "") -> None:
        """Show ``request`` (the object Send will use), or why there is none."""
        self._request = request
        self._problem = problem
        self._render()

    # --- copy ----------------------------------------------------------------------------
    @Slot()
    def copy_shown(self) -> None:
        """Copy exactly what is on screen (the key masked unless it is revealed)."""
        QGuiApplication.clipboard().setText(self._shown)
        if self._request is not None and self.key_style() is KeyStyle.MASK:
            self.status_message.emit(
                "Copied the preview with the key masked. Turn on Reveal key to copy the real "
                "key" + (f", or use Copy with ${KEY_ENV_VAR}." if self._env_ok() else ".")
            )
        else:
            self.status_message.emit("Copied the preview.")

    @Slot()
    def copy_with_env(self) -> None:
        """Copy the curl/Python text with the key read from $AMPLITUDE_API_KEY."""
        if self._request is None or not self._env_ok():
            return
        if self._copy_env(self.current_format()):
            self.status_message.emit(
                f"Copied; it reads the key from ${KEY_ENV_VAR} when run, so the key is not in it."
            )

    def copy_as(self, fmt: Format) -> None:
        """Copy the request as ``fmt`` (curl, Python, HTTPie) reading $AMPLITUDE_API_KEY."""
        if self._request is None or not self._copy_env(fmt):
            return
        label = dict(COPY_AS_ITEMS).get(fmt, fmt.value).replace("&", "")
        self.status_message.emit(
            f"Copied as {label}; it reads the key from ${KEY_ENV_VAR} when run, so the key "
            "is not in it."
        )

    def _copy_env(self, fmt: Format) -> bool:
        """Copy the request as ``fmt`` reading $AMPLITUDE_API_KEY; False (and why, in the
        status bar) when render refuses: such a command would send other bytes."""
        assert self._request is not None
        try:
            text = self._request.render(fmt, KeyStyle.ENV)
        except WireError as exc:
            self.status_message.emit(str(exc))  # nothing copied: no wrong command
            return False
        QGuiApplication.clipboard().setText(text)
        return True

    @Slot()
    def _on_copy_as(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.copy_as(Format(action.data()))

    def _env_ok(self) -> bool:
        return self.current_format() in ENV_FORMATS

    # --- rendering -------------------------------------------------------------------------
    def _render(self) -> None:
        request = self._request
        if request is None:
            text = ""
            placeholder = f"No preview: {self._problem}" if self._problem else ""
            self.info.setText("")
            self.info.setAccessibleName("Request size and transport")
        else:
            text = request.render(self.current_format(), self.key_style())
            placeholder = NO_BODY_NOTE if self.current_format() is Format.BODY else ""
            self.info.setText(self._info(request))
            self.info.setAccessibleName(f"Request: {self.info.text()}")
        if text != self._shown:
            self._replace_text(text)
        self.preview.setPlaceholderText(placeholder)
        self.copy_action.setEnabled(request is not None)
        env_copies = request is not None and request.env_copy_ok()
        self.copy_env_action.setEnabled(env_copies and self._env_ok())
        for action in self.copy_as_actions.values():
            action.setEnabled(env_copies)

    def _replace_text(self, text: str) -> None:
        old, self._shown = self._shown, text
        # Percent-encoded text has no spaces: wrap it anywhere. The others wrap at words,
        # unless a very long word (an encoded body in curl, a pasted blob) would stall Qt.
        usual = (
            QTextOption.WrapMode.WrapAnywhere
            if self.current_format() in (Format.BODY, Format.QUERY)
            else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
        )
        fit_wrap(self.preview, text[:SHOW_LIMIT], usual)
        if len(text) > SHOW_LIMIT or len(old) > SHOW_LIMIT:
            # Laying out megabytes stalls the UI thread for seconds; show the start only.
            # shown_text() (what Copy copies) and the bytes sent stay complete.
            self.preview.setPlainText(text[:SHOW_LIMIT] + too_long_note(len(text)))
            return
        start, old_end, new_end = changed_span(old, text)
        if not old or (old_end - start) + (new_end - start) > len(text) // 2:
            self.preview.setPlainText(text)
            return
        from PySide6.QtGui import QTextCursor  # from the first edit on (idle memory)

        cursor = QTextCursor(self.preview.document())
        # QTextDocument counts UTF-16 code units; Python counts code points.
        cursor.setPosition(utf16_len(old[:start]))
        cursor.setPosition(utf16_len(old[:old_end]), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text[start:new_end])

    def _info(self, request: PreparedRequest) -> str:
        if request.transport is Transport.QUERY:
            how = f"query string, no body · URL {len(request.url):,} characters"
        else:
            how = "form body"
        key = "key revealed" if self.key_style() is KeyStyle.REVEAL else "key masked"
        return (
            f"{request.method} · {how} · Content-Length: {request.content_length:,} bytes · {key}"
        )

    def _update_tooltips(self) -> None:
        # On the actions: a tool button takes its default action's tooltip again whenever
        # the action changes (enabled, text), so one set on the button would not last.
        self.reveal_action.setToolTip(
            f"Show the API key in the preview and in copies ({shortcut_text(self.reveal_action)})"
        )
        self.copy_action.setToolTip(
            f"Copy the preview exactly as shown ({shortcut_text(self.copy_action)}); "
            f"the arrow offers a curl/Python copy that reads ${KEY_ENV_VAR}"
        )

    @Slot(bool)
    def _on_reveal_toggled(self, revealed: bool) -> None:
        self.reveal_action.setText("Hide &key" if revealed else "&Reveal key")
        self._render()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if index < 0:
            return
        self.format_actions[Format(self.tabs.tabData(index))].setChecked(True)
        self._render()

    @Slot()
    def _on_format_action(self) -> None:
        action = self.format_group.checkedAction()
        if action is not None:
            self.set_format(Format(action.data()))

    @Slot(int)
    def _on_transport_changed(self, _index: int) -> None:
        self.transport_changed.emit()
