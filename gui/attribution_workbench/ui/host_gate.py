"""Ask before the API key goes to a host that is neither Amplitude's nor loopback.

``core.regions.host_check`` decides (pure); this module asks. A "yes" is remembered per host
for the life of the window (never saved); a "no" sends nothing. Tests replace ``ask`` (the
module-level function) with ``monkeypatch.setattr(host_gate, "ask", ...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attribution_workbench.core.regions import HostWarning, host_check

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def ask(parent: QWidget | None, warning: HostWarning) -> bool:
    """The confirmation dialog; True when the user chose to send."""
    # QMessageBox is imported when first asked: each PySide class costs memory once touched.
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Send the API key to this host?")
    box.setText(warning.message)
    box.setInformativeText(
        "Only Amplitude's hosts and loopback addresses receive the key without asking."
    )
    send = box.addButton("Send the key", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is send


class HostGate:
    """Per-session memory of the hosts the user agreed to send the key to."""

    def __init__(self, parent: QWidget | None) -> None:
        self._parent = parent
        self._confirmed: set[str] = set()

    def allows(self, url: str | None) -> bool:
        """True when the key may go to ``url``'s host (asking the user once if needed)."""
        warning = host_check(url or "")
        if warning is None or warning.host in self._confirmed:
            return True
        if not ask(self._parent, warning):
            return False
        self._confirmed.add(warning.host)
        return True

    def confirmed_hosts(self) -> frozenset[str]:
        return frozenset(self._confirmed)
