"""View ▸ Demo: the story of the current ad ID as a timeline, and a one-click scripted demo.

On the sandbox target the steps come from the sandbox's inspection API (``core.demo``),
read on a worker after every send and once a second while the view is visible; "+24 h" and
"+72 h" move the sandbox's clock to show the drop. On any other target nothing can be
inspected, so the view shows what was sent and answered and where to look in Amplitude.
Built on first use (never before the first paint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QHideEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core import presets as P
from attribution_workbench.core.app_event import read_v2_outcome
from attribution_workbench.core.demo import (
    InspectorError,
    SandboxInspector,
    Step,
    StepState,
    timeline_for_amplitude,
    timeline_from,
)
from attribution_workbench.core.regions import Target
from attribution_workbench.ui import colours
from attribution_workbench.ui.demo_script import DemoScript
from attribution_workbench.ui.keys import escape_hides
from attribution_workbench.ui.layout import (
    GROUP_SPACING,
    MARGIN,
    SPACING,
    STRETCH,
    hbox,
    set_dock_shown,
)
from attribution_workbench.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.ui.main_window import MainWindow

DEFAULT_PRESET = "Facebook install on iOS (via AppsFlyer)"
REFRESH_MS = 1000
PULSE_MS = 600
PRESENTATION_SCALE = 1.8
# Icon and word for every state: the state never rests on colour alone.
GLYPHS = {
    StepState.DONE: ("✔", "Done"),
    StepState.CURRENT: ("▶", "Now"),
    StepState.PENDING: ("○", "Not yet"),
    StepState.FAILED: ("✖", "Failed"),
}
# The glyph's colour by state (None: the style's quiet colour); the glyph says it in words too.
COLOURS = {
    StepState.DONE: "#1e7b34",
    StepState.CURRENT: "#1a5fb4",
    StepState.PENDING: None,
    StepState.FAILED: "#b3261e",
}
# The current step's row: a tint that breathes between two strengths, and a solid left edge.
PULSE_RGB = (26, 95, 180)
PULSE_ALPHA = (26, 61)  # 10 % and 24 %
PULSE_EDGE = "#1a5fb4"
PULSE_EDGE_PX = 4


class StepRow(QFrame):
    """One step: glyph, title and detail; the current one pulses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(MARGIN, SPACING, MARGIN, SPACING)
        row.setSpacing(GROUP_SPACING)
        row.addWidget(self.icon)
        row.addLayout(text, 1)
        self.state = StepState.PENDING
        self._tint: QColor | None = None  # painted behind the current step (paintEvent)

    def show_step(self, step: Step, base: QFont, scale: float) -> None:
        self.state = step.state
        glyph, word = GLYPHS[step.state]
        self.icon.setText(glyph)
        self.title.setText(step.title)
        self.detail.setText(step.detail)
        self.detail.setVisible(bool(step.detail))
        self.setAccessibleName(f"{word}: {step.title}")
        self.setToolTip(word)
        size = base.pointSizeF() * scale
        for label, factor, bold in ((self.icon, 1.6, True), (self.title, 1.15, True),
                                    (self.detail, 1.0, False)):
            font = QFont(base)
            font.setPointSizeF(size * factor)
            font.setBold(bold and step.state is not StepState.PENDING)
            label.setFont(font)
        # Palettes, not style sheets (STYLE.md): an empty QPalette inherits the window's again.
        colour = COLOURS[step.state]
        if colour is None:
            self.icon.setPalette(QPalette())
            colours.set_muted(self.icon)
        else:
            colours.set_text_colour(self.icon, colour)
        if colour is not None and step.state is StepState.FAILED:
            colours.set_text_colour(self.title, colour)
        else:
            self.title.setPalette(QPalette())
        self.pulse(0)

    def pulse(self, phase: int) -> None:
        """Set the current step's tint for ``phase`` (other steps: none) and repaint."""
        tint = None
        if self.state is StepState.CURRENT:
            tint = QColor(*PULSE_RGB, PULSE_ALPHA[phase % 2])
        if tint != self._tint:
            self._tint = tint
            self.update()

    def tint(self) -> QColor | None:
        return self._tint

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802  (Qt's name)
        if self._tint is not None:
            painter = QPainter(self)
            painter.fillRect(self.rect(), self._tint)
            edge = self.rect()
            edge.setWidth(PULSE_EDGE_PX)
            painter.fillRect(edge, QColor(PULSE_EDGE))
            painter.end()
        super().paintEvent(event)


class DemoPanel(QWidget):
    """The timeline plus its controls; talks to the window only through public methods."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("demo_panel")
        self._window = window
        self._runner = TaskRunner(self, max_threads=1)  # one inspector call at a time
        self._inspector: SandboxInspector | None = None
        self._refreshing = False
        self._again = False
        self._closed = False
        self._scale = 1.0
        self._steps: list[Step] = []
        self._pulse_phase = 0
        # Real Amplitude: what this session saw sent and answered.
        self._amp_sent: bool | None = None
        self._amp_answer = ""
        self._amp_app: bool | None = None
        self._amp_app_answer = ""
        self._amp_device: str | None = None

        self.heading = QLabel()
        self.heading.setObjectName("demo_heading")
        self.heading.setWordWrap(True)
        self.rows = [StepRow(self) for _ in range(4)]
        self.status = QLabel()  # the demo's narration and the clock's moves
        self.status.setObjectName("demo_status")
        self.status.setWordWrap(True)
        # Why the timeline cannot be read right now; its own line, so the demo's narration
        # (say, why a run failed) is not replaced by it.
        self.read_error = QLabel()
        self.read_error.setObjectName("demo_read_error")
        self.read_error.setWordWrap(True)
        self.read_error.hide()

        self.preset = QComboBox()
        self.preset.setObjectName("demo_preset")
        self.preset.setAccessibleName("Demo preset")
        # Long preset names must not force the dock wider than the form beside it can spare.
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset.setMinimumContentsLength(24)
        self.run = QPushButton("Run demo")  # no mnemonic: Alt+R is the window's Region
        self.run.setObjectName("run_demo")
        self.run.setToolTip("Send the preset's attribution, pause on “held”, then send the "
                            "matching app event")
        self.cancel = QPushButton("Cancel demo")
        self.cancel.setObjectName("cancel_demo")
        self.cancel.setEnabled(False)
        self.advance_24 = QPushButton("+24 h")
        self.advance_24.setObjectName("advance_24h")
        self.advance_24.setToolTip("Move the sandbox's clock forward by 24 hours")
        self.advance_72 = QPushButton("+72 h")
        self.advance_72.setObjectName("advance_72h")
        self.advance_72.setToolTip("Move the sandbox's clock forward by 72 hours (the window)")
        self.presentation = QPushButton("Presentation mode")
        self.presentation.setObjectName("presentation")
        self.presentation.setCheckable(True)
        self.presentation.setToolTip("Large type for a projector")
        self.setFocusProxy(self.preset)  # where the focus goes when the panel is shown

        # The story scrolls when it does not fit (presentation mode's large type on a
        # 1280 x 720 projector clipped the Matched step); the controls stay in view.
        story = QWidget()
        story_layout = QVBoxLayout(story)
        story_layout.setContentsMargins(0, 0, 0, 0)
        story_layout.setSpacing(SPACING)
        story_layout.addWidget(self.heading)
        for row in self.rows:
            story_layout.addWidget(row)
        story_layout.addWidget(self.read_error)
        story_layout.addWidget(self.status)
        story_layout.addStretch(1)
        self._story = story
        self.story = QScrollArea()
        self.story.setObjectName("demo_story")
        self.story.setWidget(story)
        self.story.setWidgetResizable(True)
        self.story.setFrameShape(QFrame.Shape.NoFrame)
        self.story.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(SPACING)
        layout.addWidget(self.story, 1)
        self._fit_story_width()
        # Three short rows, so the dock stays narrow beside the form on a laptop-sized screen
        # (one row of five buttons made the window grow past 1,024 px to fit it).
        layout.addLayout(hbox(self.preset, STRETCH))
        layout.addLayout(hbox(self.run, self.cancel, STRETCH))
        layout.addLayout(hbox(self.advance_24, self.advance_72, self.presentation, STRETCH))

        self.script = DemoScript(window)
        self.script.progress.connect(self.status.setText)
        self.script.attribution_done.connect(self._on_demo_attribution)
        self.script.app_event_done.connect(self._on_demo_app_event)
        self.script.finished.connect(self._on_demo_finished)
        self.run.clicked.connect(self.run_demo)
        self.cancel.clicked.connect(self.script.cancel)
        self.advance_24.clicked.connect(lambda: self.advance(24))
        self.advance_72.clicked.connect(lambda: self.advance(72))
        self.presentation.toggled.connect(self.set_presentation)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._pulse_timer = QTimer(self)
        self._pulse_timer.setInterval(PULSE_MS)
        self._pulse_timer.timeout.connect(self._pulse)
        self._soon = QTimer(self)  # coalesces bursts of edits into one refresh
        self._soon.setSingleShot(True)
        self._soon.setInterval(200)
        self._soon.timeout.connect(self.refresh)
        window.sent.connect(self._on_window_sent)
        window.failed.connect(self._on_window_failed)
        window.editor.event_changed.connect(self._soon.start)
        window.destination.changed.connect(self._soon.start)
        window.backend.changed.connect(self._soon.start)
        self._fill_presets()
        self.show_steps(timeline_from([], [], 0))
        self.refresh()

    # --- presets ---------------------------------------------------------------------------
    def _fill_presets(self) -> None:
        try:
            presets = P.load_builtin()
        except (P.PresetError, OSError) as exc:
            presets = []
            self.status.setText(f"The built-in presets could not be read: {exc}")
        for preset in presets:
            self.preset.addItem(preset.name, preset)
        if (index := self.preset.findText(DEFAULT_PRESET)) >= 0:
            self.preset.setCurrentIndex(index)
        self.run.setEnabled(bool(presets))

    # --- what to show ----------------------------------------------------------------------
    def ad_id(self) -> str | None:
        """The first advertising ID of the editor's event (what the sandbox is asked about)."""
        return self._window.editor.current_event().first_ad_id()

    def on_sandbox(self) -> bool:
        return self._window.destination.current_target() is Target.SANDBOX

    def steps(self) -> list[Step]:
        return list(self._steps)

    def show_steps(self, steps: list[Step]) -> None:
        self._steps = list(steps)
        base = QFont(self.font())
        for row, step in zip(self.rows, steps, strict=False):  # fewer steps: rows hide
            row.show_step(step, base, self._scale)
        for extra in self.rows[len(steps):]:
            extra.hide()

    @Slot()
    def refresh(self) -> None:
        """Read the timeline again (from the sandbox in a worker, or from what was sent)."""
        if self._closed:
            return
        on_sandbox = self.on_sandbox()
        self.advance_24.setEnabled(on_sandbox)
        self.advance_72.setEnabled(on_sandbox)
        ad_id = self.ad_id()
        if not on_sandbox:
            self.heading.setText(
                f"<b>Ad ID {breakable(ad_id or '(none)')}</b> · target: Amplitude — this view "
                "can only show what was sent and answered."
            )
            self.show_steps(timeline_for_amplitude(
                self._amp_sent, self._amp_app, answer=self._amp_answer,
                app_event_answer=self._amp_app_answer, device_id=self._amp_device or ad_id,
            ))
            return
        sandbox = self._window.backend.sandbox
        if sandbox is None:
            self.heading.setText("The local sandbox is starting…")
            return
        if ad_id is None:
            self.heading.setText("The event has no advertising ID (idfa, idfv, adid or "
                                 "android_app_set_id): there is nothing to match.")
            self.show_steps(timeline_from([], [], 0))
            return
        # A running demo is followed where it sends, even if the user switches the region.
        running = self.script.destination()
        region = (running.region if running else self._window.destination.current_region()).value
        self.heading.setText(f"<b>Ad ID {breakable(ad_id)}</b> · local sandbox "
                             f"({region.upper()})")
        if self._refreshing:
            self._again = True
            return
        if self._inspector is None or self._inspector.base_url != sandbox.base_url.rstrip("/"):
            self._inspector = SandboxInspector(sandbox.base_url)
        inspector = self._inspector
        self._refreshing = True
        self._runner.run(lambda: inspector.timeline(ad_id, region), self._on_timeline,
                         "demo timeline")

    def _on_timeline(self, result: Any, error: BaseException | None) -> None:
        self._refreshing = False
        if self._closed:
            return
        if error is not None:
            # The steps on screen were another moment's (maybe another ad ID's): none is
            # shown rather than a stale one that looks current.
            self.show_steps([])
            why = str(error) if isinstance(error, InspectorError) else type(error).__name__
            self.read_error.setText(f"⚠ The timeline cannot be read: {why} It shows again "
                                    "when the sandbox answers.")
            self.read_error.show()
        elif self.on_sandbox():
            self.read_error.hide()
            self.show_steps(result)
        if self._again:
            self._again = False
            self.refresh()

    @Slot()
    def advance(self, hours: int) -> None:
        """Move the sandbox's clock forward (in a worker), then read the timeline again."""
        sandbox = self._window.backend.sandbox
        if not self.on_sandbox() or sandbox is None:
            self.status.setText("Only the local sandbox's clock can be moved.")
            return
        inspector = self._inspector or SandboxInspector(sandbox.base_url)
        self._inspector = inspector

        def done(result: Any, error: BaseException | None) -> None:
            self.status.setText(f"Could not move the clock: {error}" if error is not None
                                else f"The sandbox's clock moved {hours} h forward.")
            self.refresh()

        self._runner.run(lambda: inspector.advance(hours), done, "demo clock")

    @Slot(bool)
    def set_presentation(self, on: bool) -> None:
        self._scale = PRESENTATION_SCALE if on else 1.0
        font = QFont(self.heading.font())
        font.setPointSizeF(QFont(self.font()).pointSizeF() * self._scale * 1.1)
        self.heading.setFont(font)
        self.status.setFont(font)
        self.show_steps(self._steps)
        self._fit_story_width()

    def _fit_story_width(self) -> None:
        # Only the height scrolls: the dock stays as wide as the story needs.
        bar = self.story.verticalScrollBar().sizeHint().width()
        self.story.setMinimumWidth(self._story.minimumSizeHint().width() + bar)
        dock = self.parent()
        if self._scale > 1 and isinstance(dock, QDockWidget):
            # Large type: give the story up to half the window, as a projector audience
            # reads the panel, not the form.
            window = self._window
            wanted = max(dock.width(), window.width() // 2)
            window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    # --- the scripted demo -----------------------------------------------------------------
    @Slot()
    def run_demo(self) -> None:
        preset = self.preset.currentData()
        if preset is None:
            return
        self._amp_sent = self._amp_app = None
        # Before start(): a run can end inside it (nothing to wait for, and it fails at once),
        # and its end must leave Run enabled.
        self.run.setEnabled(False)
        self.cancel.setEnabled(True)
        if self.script.start(preset):
            return
        self.run.setEnabled(True)
        self.cancel.setEnabled(False)
        if self.script.running() or self._window.is_sending():
            self.status.setText("Wait for the current send or demo to finish.")
        else:
            self.status.setText("The demo did not start: the current event was kept.")

    @Slot(bool, str)
    def _on_demo_attribution(self, ok: bool, answer: str) -> None:
        self.refresh()

    @Slot(bool, str, str)
    def _on_demo_app_event(self, ok: bool, summary: str, device_id: str) -> None:
        self._amp_app, self._amp_app_answer, self._amp_device = ok, summary, device_id
        self.refresh()

    @Slot(bool, str)
    def _on_demo_finished(self, ok: bool, message: str) -> None:
        self.run.setEnabled(True)
        self.cancel.setEnabled(False)
        self.status.setText(message)
        self.refresh()

    # --- the window's own sends --------------------------------------------------------------
    def _answered_app_event(self) -> bool:
        request = self._window.answered_request
        return request is not None and request.url.split("?", 1)[0].endswith("/2/httpapi")

    @Slot(object)
    def _on_window_sent(self, outcome: Any) -> None:
        request = self._window.answered_request
        if request is not None and self._answered_app_event():
            # Read as the demo and the app-event dialog read it (not the raw "HTTP 200 …").
            answer = read_v2_outcome(outcome, request)
            self._amp_app, self._amp_app_answer = answer.accepted, answer.summary
        else:
            text = f"HTTP {outcome.status} {getattr(outcome, 'text', '')[:80]}".strip()
            self._amp_sent, self._amp_answer = bool(outcome.ok), text
            self._amp_app = None
        self.refresh()

    @Slot(object)
    def _on_window_failed(self, error: Any) -> None:
        message = str(getattr(error, "message", "") or error)
        if self._answered_app_event():  # the app event failed, not the attribution
            self._amp_app, self._amp_app_answer = False, message
        else:
            self._amp_sent, self._amp_answer = False, message
        self.refresh()

    # --- visibility --------------------------------------------------------------------------
    @Slot()
    def _pulse(self) -> None:
        self._pulse_phase += 1
        for row in self.rows:
            row.pulse(self._pulse_phase)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        self._pulse_timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()
        self._pulse_timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Stop the demo, the timers and the inspector; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.script.cancel()
        self._timer.stop()
        self._pulse_timer.stop()
        self._soon.stop()
        self._runner.wait(3000)
        if self._inspector is not None:
            self._inspector.close()


def breakable(ad_id: str) -> str:
    """``ad_id`` with a line-break chance after each hyphen: rich text does not break a UUID
    by itself, and in presentation mode one bold UUID made the panel 590 px wide."""
    return ad_id.replace("-", "-\u200b")


def show_demo(window: MainWindow) -> QDockWidget:
    """Show the Demo dock (building it on first use) or hide it when it is visible."""
    dock = window.findChild(QDockWidget, "demo_view")
    if dock is None:
        dock = QDockWidget("Demo", window)
        dock.setObjectName("demo_view")
        panel = DemoPanel(window)
        dock.setWidget(panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.installEventFilter(panel)  # the window's Close stops the panel's work
        escape_hides(window, panel, lambda: show_demo(window))
        shown = True
    else:
        shown = not dock.isVisible()
    set_dock_shown(dock, shown)
    return dock


def demo_panel(window: MainWindow) -> DemoPanel | None:
    dock = window.findChild(QDockWidget, "demo_view")
    widget = dock.widget() if dock is not None else None
    return widget if isinstance(widget, DemoPanel) else None
