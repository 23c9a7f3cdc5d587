"""The destination bar: region, target, custom URL, the full endpoint URL and a region badge.

Sending to the wrong region is a data-residency mistake, so the region is shown twice: in
its combo box and as a badge whose colour AND words differ (``US · standard`` in blue,
``EU · residency`` in amber). The endpoint the request goes to is always spelled out in
full, selectable, below the choices.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.regions import Destination, DestinationError, Region, Target
from attribution_workbench.ui import colours
from attribution_workbench.ui.layout import (
    annotate,
    buddy_label,
    choice_box,
    container,
    hbox,
    readable_label,
)

# core.profiles.DEFAULT_PROFILE: importing core.profiles takes ~30 ms, which the panes (built
# on the GUI thread right after the first frame) should not wait for.
DEFAULT_PROFILE = "default"

BADGES = {
    Region.US: ("US · standard", colours.US),
    Region.EU: ("EU · residency", colours.EU),
}
REGION_ITEMS = ((Region.US, "US — standard"), (Region.EU, "EU — data residency"))
TARGET_ITEMS = (
    (Target.AMPLITUDE, "Amplitude"),
    (Target.SANDBOX, "Local sandbox (offline)"),
    (Target.CUSTOM, "Custom URL"),
)


class DestinationBar(QGroupBox):
    """Choices for where a request goes; ``destination()`` is None while it cannot be sent.

    The key profile row lives here too: ``profile_changed(name)`` when the user picks another
    profile, ``verify`` (the button) checks its keys, and the hint row offers the other region
    when only that one has a key.
    """

    changed = Signal()
    profile_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Destination", parent)
        self._sandbox_url: str | None = None
        self._sandbox_problem: str | None = None
        self._problem: str | None = None
        self._destination: Destination | None = None

        self.region = choice_box(
            "region",
            ((text, region.value) for region, text in REGION_ITEMS),
            accessible=(
                "Region",
                "Which Amplitude data center receives the event: US (standard) or EU "
                "(data residency). A key only works in its own region.",
            ),
            tip="US (standard) or EU (data residency); a key works in one only",
        )

        self.badge = QLabel()
        self.badge.setObjectName("region_badge")
        self.badge.setAccessibleName("Region badge")
        colours.make_badge(self.badge)

        self.target = choice_box(
            "target",
            ((text, target.value) for target, text in TARGET_ITEMS),
            accessible=(
                "Target",
                "Where the request goes: Amplitude's servers, the local sandbox on this "
                "computer (nothing leaves it), or a custom URL.",
            ),
        )

        self.custom_url = QLineEdit()
        self.custom_url.setObjectName("custom_url")
        self.custom_url.setPlaceholderText("https://example.com/attribution")
        self.custom_url.setClearButtonEnabled(True)
        self.custom_url.setAccessibleName("Custom URL")
        self.custom_url.setAccessibleDescription(
            "The full /attribution URL to send to. https:// is required unless the host is "
            "this computer (localhost, 127.0.0.1, ::1)."
        )

        self.url_error = QLabel()
        self.url_error.setObjectName("custom_url_error")
        self.url_error.setWordWrap(True)
        colours.set_text_colour(self.url_error, colours.ERROR_TEXT)
        self.url_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.endpoint = QLabel()
        self.endpoint.setObjectName("endpoint")
        self.endpoint.setWordWrap(True)
        self.endpoint.setTextFormat(Qt.TextFormat.PlainText)
        # Read as its text: the URL the key goes to.
        readable_label(self.endpoint, "The endpoint URL the request is sent to")

        self.key_note = QLabel()
        self.key_note.setObjectName("key_source")
        self.key_note.setWordWrap(True)
        self.key_note.setTextFormat(Qt.TextFormat.PlainText)
        self.key_note.setAccessibleDescription("Where the API key for this send comes from")

        self.profile = choice_box(
            "profile",
            [(DEFAULT_PROFILE, None)],
            accessible=(
                "Profile",
                "The key profile: a send uses this profile's key for the selected region.",
            ),
            tip="Whose API keys a send uses (Request ▸ API keys and profiles)",
        )
        self.verify = QPushButton("Verify key…")
        self.verify.setObjectName("verify")
        self.verify.setAutoDefault(False)
        annotate(
            self.verify,
            "Verify key",
            "Check the selected profile's keys against US and EU and show which region "
            "accepts each one",
            "Check this profile's keys against US and EU (Ctrl+Shift+K)",
        )
        self.key_hint = QLabel()
        self.key_hint.setObjectName("key_hint")
        self.key_hint.setWordWrap(True)
        self.key_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.key_hint.setAccessibleName("Key hint")
        self.switch_region = QPushButton()
        self.switch_region.setObjectName("switch_region")
        self.switch_region.setAutoDefault(False)
        self.switch_region.setAccessibleName("Switch region")
        self.switch_region.setAccessibleDescription(
            "Use the other region, where this profile has a key"
        )
        self.switch_region.clicked.connect(self._on_switch_region)
        self._hint_region: Region | None = None

        region_row = hbox(self.region, self.badge)
        region_row.setStretch(0, 1)
        profile_row = hbox(self.profile, self.verify)
        profile_row.setStretch(0, 1)
        hint_row = hbox(self.key_hint, self.switch_region)
        hint_row.setStretch(0, 1)
        self._hint_row = container(hint_row)
        self._form = QFormLayout(self)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Alt+R: the Request menu took Alt+S so that Region keeps it (see menus.py).
        self._form.addRow(buddy_label("&Region:", self.region), region_row)
        self._form.addRow(buddy_label("&Target:", self.target), self.target)
        self._form.addRow(buddy_label("&URL:", self.custom_url), self.custom_url)
        self._form.addRow("", self.url_error)
        self._form.addRow("Endpoint:", self.endpoint)
        self._form.addRow(buddy_label("&Key profile:", self.profile), profile_row)
        self._form.addRow("API key:", self.key_note)
        self._form.addRow("", self._hint_row)
        self._form.setRowVisible(self._hint_row, False)
        self.setTabOrder(self.region, self.target)
        self.setTabOrder(self.target, self.custom_url)

        self.region.currentIndexChanged.connect(self._on_edited)
        self.profile.currentIndexChanged.connect(self._on_profile_chosen)
        self.target.currentIndexChanged.connect(self._on_edited)
        self.custom_url.textChanged.connect(self._on_edited)
        self._refresh()

    # --- state -------------------------------------------------------------------------
    def current_region(self) -> Region:
        return Region(self.region.currentData())

    def current_target(self) -> Target:
        return Target(self.target.currentData())

    def set_region(self, region: Region) -> None:
        self.region.setCurrentIndex(self.region.findData(region.value))

    def set_target(self, target: Target) -> None:
        self.target.setCurrentIndex(self.target.findData(target.value))

    def set_custom_url(self, url: str) -> None:
        self.custom_url.setText(url)

    def set_sandbox(self, base_url: str | None, problem: str | None = None) -> None:
        """The running sandbox's base URL; (None, None) while it starts; a problem if it failed."""
        self._sandbox_url = base_url
        self._sandbox_problem = problem
        self._refresh()
        self.changed.emit()

    def set_key_note(self, text: str) -> None:
        self.key_note.setText(text)

    # --- key profile -------------------------------------------------------------------
    def current_profile(self) -> str:
        return self.profile.currentText() or DEFAULT_PROFILE

    def set_profiles(self, names: list[str], current: str | None = None) -> None:
        """Fill the profile list (no signal); ``current`` (or the kept one, or the first) wins."""
        keep = current or self.current_profile()
        if [self.profile.itemText(i) for i in range(self.profile.count())] != names:
            self.profile.blockSignals(True)
            self.profile.clear()
            self.profile.addItems(names or [DEFAULT_PROFILE])
            self.profile.blockSignals(False)
        index = self.profile.findText(keep)
        self.profile.blockSignals(True)
        self.profile.setCurrentIndex(max(index, 0))
        self.profile.blockSignals(False)

    def set_key_hint(self, text: str, other: Region | None) -> None:
        """Show "this profile has an EU key; switch region?" with its button, or hide it."""
        self._hint_region = other
        self.key_hint.setText(text if other is not None else "")
        if other is not None:
            label = f"Switch to {other.value.upper()}"
            self.switch_region.setText(label)
            annotate(self.switch_region, label, f"Change the region to {other.label}")
        self._form.setRowVisible(self._hint_row, other is not None)

    @Slot()
    def _on_switch_region(self) -> None:
        if self._hint_region is not None:
            self.set_region(self._hint_region)

    @Slot()
    def _on_profile_chosen(self) -> None:
        self.profile_changed.emit(self.current_profile())

    def destination(self) -> Destination | None:
        return self._destination

    def problem(self) -> str | None:
        """Why there is no usable destination (None when there is one)."""
        return self._problem

    # --- updates -----------------------------------------------------------------------
    @Slot()
    def _on_edited(self) -> None:
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        region = self.current_region()
        target = self.current_target()
        text, fill = BADGES[region]
        if self.badge.text() != text:
            self.badge.setText(text)
            colours.fill(self.badge, fill)
            self.badge.setToolTip(f"Requests go to {region.label}")
        self._form.setRowVisible(self.custom_url, target is Target.CUSTOM)
        self._destination, self._problem = self._resolve(region, target)
        url_problem = self._problem if target is Target.CUSTOM else None
        self._form.setRowVisible(self.url_error, bool(url_problem))
        self.url_error.setText(f"⚠ {url_problem}" if url_problem else "")
        if self._destination is not None:
            self.endpoint.setText(self._destination.endpoint())
        else:
            # A bad custom URL is explained right under the field; no need to say it twice.
            self.endpoint.setText("—" if url_problem else self._problem or "")

    def _resolve(self, region: Region, target: Target) -> tuple[Destination | None, str | None]:
        if target is Target.AMPLITUDE:
            return Destination(region, target), None
        if target is Target.SANDBOX:
            if self._sandbox_problem:
                return None, f"The local sandbox could not start: {self._sandbox_problem}"
            if self._sandbox_url is None:
                return None, "The local sandbox is starting…"
            return Destination(region, target, self._sandbox_url), None
        url = self.custom_url.text().strip()
        if not url:
            return None, "Enter the full /attribution URL to send to."
        try:
            return Destination(region, target, url), None
        except DestinationError as exc:
            return None, str(exc)


class SandboxBanner(QFrame):
    """The unmistakable note that the sandbox is the target, and the way out of it."""

    switch_requested = Signal()
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sandbox_banner")
        colours.panel(self, colours.BANNER, colours.BANNER_BORDER)
        icon = QLabel()
        icon.setPixmap(assets.qpixmap(assets.Icon.SANDBOX, 20))
        self.text = QLabel()
        self.text.setObjectName("sandbox_banner_text")
        self.text.setWordWrap(True)
        colours.set_text_colour(self.text, colours.BANNER.text)
        self.switch = QPushButton("Send to Amplitude instead")
        self.switch.setObjectName("sandbox_switch")
        annotate(
            self.switch,
            "Switch to Amplitude",
            "Change the target from the local sandbox to Amplitude's servers",
        )
        self.switch.clicked.connect(self.switch_requested)
        self.retry = QPushButton("Retry")
        self.retry.setObjectName("sandbox_retry")
        self.retry.setAutoDefault(False)
        annotate(self.retry, "Retry starting the sandbox", "Try to start the local sandbox again")
        self.retry.clicked.connect(self.retry_requested)
        self.retry.setVisible(False)
        layout = hbox(icon, self.text, self.retry, self.switch, margin=6)
        layout.setStretch(1, 1)
        self.setLayout(layout)
        self.set_sandbox_url(None)

    def set_sandbox_url(
        self, base_url: str | None, problem: str | None = None, retryable: bool = False
    ) -> None:
        """Show where the sandbox listens, or why it could not start (Retry if it may help)."""
        self.retry.setVisible(bool(problem) and retryable)
        if problem:
            where = f"it could not start: {problem}"
        else:
            where = base_url or "starting…"
        self.text.setText(
            "<b>Sandbox — nothing leaves this computer.</b> Requests go to a local stand-in "
            f"for Amplitude ({where}) with its built-in demo keys. To reach Amplitude, choose "
            "Target ▸ Amplitude."
        )
