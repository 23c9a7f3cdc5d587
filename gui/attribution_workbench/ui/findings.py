"""How findings look: a note under a field and the list of all findings.

A finding is never colour alone: every note and list item carries the style's standard
message-box icon AND a word ("Error:", "Warning:", "Note:") before the message.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QWidget,
)

from attribution_workbench import assets
from attribution_workbench.core.rules import Finding, Level
from attribution_workbench.ui.layout import SPACING, hbox

PREFIX = {Level.ERROR: "Error:", Level.WARNING: "Warning:", Level.INFO: "Note:"}
RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}
ICON_PX = 16  # the findings' icons, under the fields and in the lists
NOTE_LINES = 3  # a note under a field lists this many findings; the list has them all
# Our own icons, not the style's standard ones: asking the style for those loads its whole
# Python binding (QStyle, ~0.3 MB of the idle window, measured).
_ICONS = {
    Level.ERROR: assets.Icon.FINDING_ERROR,
    Level.WARNING: assets.Icon.FINDING_WARNING,
    Level.INFO: assets.Icon.FINDING_INFO,
}


def level_icon(level: Level) -> QIcon:
    return assets.qicon(_ICONS[level])


def worst(findings: Sequence[Finding]) -> Level | None:
    return min((f.level for f in findings), key=RANK.__getitem__, default=None)


def finding_text(finding: Finding) -> str:
    return f"{PREFIX[finding.level]} {finding.message}"


def by_level(findings: Sequence[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; field order kept within a level."""
    return sorted(findings, key=lambda f: RANK[f.level])


class FieldNote(QWidget):
    """Icon + text under one field; hidden while the field has no findings."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_note")
        self._findings: list[Finding] = []
        self.icon = QLabel()
        self.icon.setFixedSize(ICON_PX, ICON_PX)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setObjectName(f"{name}_note_text")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        # A note never takes spare height: that belongs to the table and the editors.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = hbox(self.icon, self.text, spacing=SPACING)
        layout.setAlignment(self.icon, Qt.AlignmentFlag.AlignTop)
        self.setLayout(layout)
        self.setAccessibleName(f"Findings for {name}")
        self.hide()

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        ordered = by_level(findings)
        if ordered == self._findings:
            return  # the usual case while typing; skip the relayout
        self._findings = ordered
        level = worst(ordered)
        if level is None:
            self.text.clear()
            self.hide()
            return
        self.icon.setPixmap(level_icon(level).pixmap(ICON_PX, ICON_PX))
        lines = [finding_text(f) for f in ordered[:NOTE_LINES]]
        if len(ordered) > NOTE_LINES:
            more = len(ordered) - NOTE_LINES
            lines.append(f"… and {more} more in the Findings list.")
        text = "\n".join(lines)
        self.text.setText(text)
        self.text.setAccessibleName(text)
        self.show()


class FindingsList(QListWidget):
    """Every finding, errors first; activating one (Enter, click) asks to show its field."""

    finding_activated = Signal(object)  # Finding

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findings")
        self.setAccessibleName("Findings")
        self.setAccessibleDescription(
            "Errors, warnings and notes about the event. Press Enter on one to go to its field."
        )
        self.setToolTip("Press Enter or click a finding to go to its field")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setIconSize(QSize(ICON_PX, ICON_PX))  # the style's default is larger
        self._findings: list[Finding] = []
        self.itemActivated.connect(self.on_item_activated)
        self.itemClicked.connect(self.on_item_activated)

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        ordered = by_level(findings)
        if ordered == self._findings:
            return
        self._findings = ordered
        current = self.currentRow()
        self.setUpdatesEnabled(False)
        self.clear()
        icons = {level: level_icon(level) for level in Level}
        for finding in ordered:
            self.addItem(QListWidgetItem(icons[finding.level], finding_text(finding)))
        if 0 <= current < self.count():
            self.setCurrentRow(current)
        self.setUpdatesEnabled(True)

    @Slot(QListWidgetItem)
    def on_item_activated(self, item: QListWidgetItem) -> None:
        row = self.row(item)
        if 0 <= row < len(self._findings):
            self.finding_activated.emit(self._findings[row])


def summary(findings: Sequence[Finding]) -> str:
    """'2 errors, 1 warning, 3 notes' or 'No findings'."""
    counts = {level: 0 for level in Level}
    for finding in findings:
        counts[finding.level] += 1
    words = (("error", "errors"), ("warning", "warnings"), ("note", "notes"))
    parts = [
        f"{counts[level]} {single if counts[level] == 1 else plural}"
        for level, (single, plural) in zip(Level, words, strict=True)
        if counts[level]
    ]
    return ", ".join(parts) if parts else "No findings"
