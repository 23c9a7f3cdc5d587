"""The main window's History hooks: the History dock, loading an entry back, resending it.

``WindowHistory`` holds a reference to the window and works through its public widgets
(editor, destination, preview) and its normal Send path; ``MainWindow`` keeps one-line
delegators so menus, the History panel and tests call the window as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import Transport
from attribution_workbench.ui.layout import set_dock_shown

if TYPE_CHECKING:
    from attribution_workbench.ui.key_wait import KeyWait
    from attribution_workbench.ui.main_window import MainWindow

RESEND_WAIT_S = 5.0


class WindowHistory:
    """History for one window; the dock is built on first use (``window.history_dock``)."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._resend_wait: KeyWait | None = None

    def show(self) -> QDockWidget:
        """View ▸ History (Ctrl+H): show (building it on first use) or hide the panel."""
        window = self._window
        if window.history_dock is None:
            from attribution_workbench.ui.history_view import HistoryPanel, make_dock
            from attribution_workbench.ui.keys import escape_hides

            window.history.start()
            panel = HistoryPanel(
                window.history,
                window.load_history_entry,
                window.resend_history_entry,
                window.show_status,
                app_event_entry=self.app_event_for,
            )
            window.history_dock = make_dock(panel, window)
            escape_hides(window, panel, self.show)
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, window.history_dock)
            shown = True
        else:
            shown = not window.history_dock.isVisible()
        set_dock_shown(window.history_dock, shown)
        return window.history_dock

    def on_notice(self, text: str) -> None:
        self._window.statusBar().showMessage(text)  # no timeout: it says where the old file went

    def load_entry(self, entry: Any, keep_profile: bool = False) -> bool:
        """Put a history entry (core.history.Entry) back into the form and destination;
        False when it is not an event, or the user kept the current one."""
        from attribution_workbench.ui.event_files import replace_event

        window = self._window
        if getattr(entry, "api", "/attribution") != "/attribution":  # e.g. a matching app event
            window.show_status(f"History entry #{entry.id} is an {entry.api} send, not an event.")
            return False
        if not replace_event(window, entry.event_text):
            return False
        self._point_at(entry, keep_profile)
        window.preview.set_transport(Transport(entry.transport))
        window.rebuild_now()
        window.show_status(f"Loaded history entry #{entry.id}.")
        return True

    def app_event_for(self, entry: Any) -> Any:
        """History ▸ Matching app event…: the window first points where that attribution
        went (region, target, profile). Matching needs the same region and key; from the
        window's current destination the app event could go to the other region (never
        matched, though the dialog said it was ingested), or to Amplitude for a sandbox send.
        """
        from attribution_workbench.ui.app_event_dialog import history_event, open_app_event_dialog

        event, problem = history_event(entry)
        if event is None:  # checked first: an unusable entry leaves the destination alone
            self._window.show_status(problem)
            return None
        self._point_at(entry)
        self._window.rebuild_now()
        return open_app_event_dialog(self._window, event)

    def _point_at(self, entry: Any, keep_profile: bool = False) -> None:
        """The window's region, target (custom URL) and key profile, as the entry's send had
        (``keep_profile``: the profile the user has chosen stays, e.g. to resend with it)."""
        from urllib.parse import urlsplit

        destination = self._window.destination
        destination.set_region(Region(entry.region))
        if entry.target == Target.CUSTOM.value:
            destination.set_custom_url(urlsplit(entry.url)._replace(query="").geturl())
        destination.set_target(Target(entry.target))
        if keep_profile:
            return
        if (index := destination.profile.findText(entry.profile)) >= 0:
            destination.profile.setCurrentIndex(index)

    def resend_entry(self, entry: Any) -> None:
        """Load the entry, then send it through the normal path with the current key (the
        key profile the user has chosen, not the entry's: resending a 401 with another
        profile's key is what Resend is for)."""
        if self._resend_wait is not None and not self._resend_wait.ended():
            return  # a resend is already waiting for its key: one press, one send
        if not self._window.load_history_entry(entry, keep_profile=True):
            return
        # The key for a newly chosen profile or region (or the sandbox) may be on its way.
        self._resend_wait = self._window.when_key_ready(self._window.send, RESEND_WAIT_S)
