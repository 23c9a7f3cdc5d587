"""Colours for the few widgets that carry meaning in colour: badges, the sandbox banner, errors.

Set through each widget's palette, not a style sheet. The first style sheet anywhere in the
window loads Qt's style sheet engine (its CSS parser and a QStyleSheetStyle wrapped around
every styled widget): 0.5 MB of the idle window (measured, bench/bench_startup.py) for five
coloured labels. Colour is never the only signal: every badge also says what it means in words.
(The demo timeline, built only when opened, still styles its rows with a style sheet.)
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QWidget

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
# Error text next to a field; a warning (something to check, nothing blocked).
ERROR_TEXT = "#b91c1c"
WARNING_TEXT = "#8a5a00"
# A warning panel (the keyring banner): pale amber, an amber border, dark brown text.
WARNING = Fill("#fff4e6", "#7a3e00")
WARNING_BORDER = "#ffc078"


def set_text_colour(widget: QWidget, colour: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    widget.setPalette(palette)


def set_muted(widget: QWidget) -> None:
    """Text in the style's placeholder colour: a side note, quieter than the text around it."""
    palette = widget.palette()
    quiet = palette.color(QPalette.ColorRole.PlaceholderText)
    palette.setColor(QPalette.ColorRole.WindowText, quiet)
    widget.setPalette(palette)


def panel(frame: QFrame, colours: Fill, border: str) -> None:
    """A boxed panel: ``colours`` inside, a one-pixel ``border``. (A plain box frame is drawn
    in the frame's text colour, so give the labels inside it ``colours.text`` yourself.)"""
    fill(frame, Fill(colours.background, border))
    frame.setFrameShape(QFrame.Shape.Box)
    frame.setFrameShadow(QFrame.Shadow.Plain)


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
