"""Colours for the few widgets that carry meaning in colour: badges, the sandbox banner, errors.

Set through each widget's palette, not a style sheet. The first style sheet anywhere in the
window loads Qt's style sheet engine (its CSS parser and a QStyleSheetStyle wrapped around
every styled widget): 0.6 MB of the idle window (measured, bench/bench_startup.py) for four
coloured labels. Colour is never the only signal: every badge also says what it means in words.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

# Inside a badge, around its text (pixels): horizontal, vertical.
BADGE_PADDING = (8, 3)


class Fill(NamedTuple):
    """A filled area: its background and the text on it (#rrggbb)."""

    background: str
    text: str


# Region badges (destination bar): blue for the US, amber for the EU (data residency).
US = Fill("#1d4ed8", "#ffffff")
EU = Fill("#b45309", "#ffffff")
# Response status badge.
OK = Fill("#2b8a3e", "#ffffff")
FAIL = Fill("#c92a2a", "#ffffff")
BUSY = Fill("#495057", "#ffffff")
IDLE = Fill("#e9ecef", "#343a40")
# The sandbox banner: a pale green panel with a green border and dark green text.
BANNER = Fill("#ebfbee", "#1b4d2b")
BANNER_BORDER = "#8ce99a"
# Error text next to a field.
ERROR_TEXT = "#b91c1c"


def set_text_colour(widget: QWidget, colour: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    widget.setPalette(palette)


def fill(widget: QWidget, colours: Fill) -> None:
    """Paint ``widget``'s background (and its text) in ``colours``."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(colours.background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colours.text))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


def fill_of(widget: QWidget) -> Fill:
    """The colours ``fill`` gave ``widget`` (what a user sees; for tests and the status bar)."""
    palette = widget.palette()
    return Fill(
        palette.color(QPalette.ColorRole.Window).name(),
        palette.color(QPalette.ColorRole.WindowText).name(),
    )


def make_badge(label: QLabel) -> None:
    """Bold text on a filled block, padded; ``fill`` gives it its colours."""
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    horizontal, vertical = BADGE_PADDING
    label.setContentsMargins(horizontal, vertical, horizontal, vertical)
