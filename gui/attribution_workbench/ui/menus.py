"""The menu bar: File, Edit, View, Request, Help, with every shortcut shown in its menu.

Actions live on the window, so their shortcuts work wherever the focus is in it. Edit and
View reuse the preview pane's own actions (copy, reveal, formats), so a menu item and the
button beside the preview are one and the same action.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from attribution_workbench import APP_NAME, MENU_TITLES, __version__, assets
from attribution_workbench.ui.event_files import FILE_FILTER
from attribution_workbench.ui.presets_menu import PresetsMenu
from attribution_workbench.ui.preview_pane import PreviewPane

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from attribution_workbench.ui.main_window import MainWindow

DOCS_URL = "https://amplitude.com/docs/apis/analytics/attribution"


class WindowActions(QObject):
    """The window's own actions (the preview pane owns copy, reveal and the formats)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.about_box: QMessageBox | None = None
        self.presets: PresetsMenu | None = None  # File ▸ Presets, set by build_menus
        self.new = self._make("&New event", "Ctrl+N", window.new_event)
        self.open = self._make("&Open event…", "Ctrl+O", self.ask_open)
        self.save = self._make("&Save event as…", "Ctrl+S", self.ask_save)
        self.import_paste = self._make("&Import…", "Ctrl+Shift+V", window.show_import)
        self.quit = self._make("&Quit", "Ctrl+Q", window.close)
        self.send = self._make("&Send", "Ctrl+Return", window.send)
        # Ctrl+Return on the main keyboard, Ctrl+Enter on the keypad.
        self.send.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.send.setIcon(assets.qicon(assets.Icon.SEND))
        self.cancel = self._make("&Cancel send", "Esc", window.cancel_send)
        self.cancel.setIcon(assets.qicon(assets.Icon.STOP))
        self.cancel.setEnabled(False)
        self.reload_keys = self._make("&Reload API keys", "F5", window.backend.reload_keys)
        self.credentials = self._make("API &keys and profiles…", "Ctrl+K", window.show_credentials)
        self.verify = self._make("&Verify profile keys…", "Ctrl+Shift+K", window.verify_keys)
        self.docs = self._make("Attribution API &docs", "F1", self.open_docs)
        self.about = self._make(f"&About {APP_NAME}", "", self.show_about)
        self.history = self._make("&History", "Ctrl+H", window.show_history)
        self.batch = self._make("&Batch send…", "Ctrl+B", self.show_batch)
        self.demo = self._make("&Demo", "Ctrl+D", window.show_demo)
        self.network = self._make("&Network settings…", "", self.show_network)
        # Enabled while the form's event has an ad ID; the dialog module loads on first use.
        self.app_event = self._make(
            "Send matching &app event…", "Ctrl+Shift+Return", self.show_app_event
        )
        window.editor.event_changed.connect(self._update_app_event)
        self._update_app_event()

    def _make(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self._window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    @Slot()
    def ask_open(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # dialogs load on first use, not at start-up

        path, _filter = QFileDialog.getOpenFileName(self._window, "Open event", "", FILE_FILTER)
        if path:
            self._window.open_event_file(Path(path))

    @Slot()
    def ask_save(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getSaveFileName(
            self._window, "Save event as", "event.json", FILE_FILTER
        )
        if path:
            self._window.save_event_file(Path(path))

    @Slot()
    def _update_app_event(self) -> None:
        self.app_event.setEnabled(self._window.editor.current_event().first_ad_id() is not None)

    @Slot()
    def show_app_event(self) -> None:
        from attribution_workbench.ui.app_event_dialog import open_app_event_dialog

        open_app_event_dialog(self._window)

    @Slot()
    def show_batch(self) -> None:
        from attribution_workbench.ui.batch_dialog import open_batch_dialog  # on first use

        open_batch_dialog(self._window)

    @Slot()
    def show_network(self) -> None:
        from attribution_workbench.ui.network_dialog import open_network_dialog  # on first use

        open_network_dialog(self._window)

    @Slot()
    def open_docs(self) -> None:
        self._window.open_url(DOCS_URL)

    @Slot()
    def show_about(self) -> QMessageBox:
        if self.about_box is None:
            from PySide6.QtWidgets import QMessageBox

            box = QMessageBox(self._window)
            box.setObjectName("about")
            box.setWindowTitle(f"About {APP_NAME}")
            box.setIconPixmap(assets.qpixmap(assets.Icon.APP, 64))
            box.setTextFormat(Qt.TextFormat.RichText)
            box.setText(
                f"<h3>{APP_NAME} {__version__}</h3>"
                "<p>Compose, preview and send test events to Amplitude's Attribution API, "
                "and see exactly what goes on the wire.</p>"
                f'<p><a href="{DOCS_URL}">Attribution API documentation</a></p>'
            )
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            box.setWindowModality(Qt.WindowModality.NonModal)
            self.about_box = box
        self.about_box.show()
        return self.about_box


def build_menus(window: MainWindow, preview: PreviewPane) -> WindowActions:
    actions = WindowActions(window)
    bar = window.menuBar()
    file_title, edit_title, view_title, request_title, help_title = MENU_TITLES

    def menu(title: str, *items: QAction | None) -> QMenu:
        m = bar.addMenu(title)
        for item in items:
            if item is None:
                m.addSeparator()
            else:
                m.addAction(item)
        return m

    file_menu = menu(
        file_title,
        actions.new,
        actions.open,
        actions.save,
        actions.import_paste,
        actions.batch,
        None,
        actions.quit,
    )
    # A File submenu: every letter of "Presets" is a mnemonic in the menu bar or form already.
    actions.presets = PresetsMenu(window, file_menu)
    file_menu.insertMenu(actions.quit, actions.presets)
    file_menu.insertSeparator(actions.quit)
    menu(
        edit_title,
        preview.copy_action,
        preview.copy_env_action,
        *preview.copy_as_actions.values(),
        None,
        preview.reveal_action,
    )
    view = menu(view_title)
    view.addSection("Preview format")
    for action in preview.format_actions.values():
        view.addAction(action)
    view.addSeparator()
    view.addAction(actions.history)
    view.addAction(actions.demo)
    # "Reque&st": Alt+S, not Alt+R ("&Region:" in the destination bar has Alt+R).
    menu(
        request_title,
        actions.send,
        actions.cancel,
        actions.app_event,
        None,
        actions.credentials,
        actions.verify,
        actions.reload_keys,
        None,
        actions.network,
    )
    menu(help_title, actions.docs, None, actions.about)
    return actions
