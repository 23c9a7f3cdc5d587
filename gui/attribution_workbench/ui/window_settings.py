"""Restore the main window's preferences at start-up and save them at shutdown.

Every key is declared once in ``ui.settings``; this module only maps keys to widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import KEY_ENV_VAR, Format, Transport
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.event_form import DEFAULT_PLATFORM

if TYPE_CHECKING:
    from collections.abc import Mapping

    from attribution_workbench.ui.main_window import MainWindow

SAMPLE_PREFIX = "[Sample]"  # the company-prefix convention, with an obviously made-up name

def restore_settings(window: MainWindow, settings: S.Settings, environ: Mapping[str, str]) -> None:
    # The geometry was restored by the window itself, before its first frame.
    s = settings
    unreadable = s.read_problem()
    unsaved = s.save_problem()
    if state := s.get(S.WINDOW_STATE):
        window.restoreState(QByteArray(state))
    # Until the user drags them: editor | right side half and half; on the right, the
    # destination and preview get 60 %, send bar and response 40 %.
    for splitter, setting, sizes in (
        (window.main_splitter, S.MAIN_SPLITTER, [500, 500]),
        (window.right_splitter, S.RIGHT_SPLITTER, [600, 400]),
    ):
        if state := s.get(setting):
            splitter.restoreState(QByteArray(state))
        else:
            splitter.setSizes(sizes)
    if editor_state := s.get(S.EDITOR_STATE):
        try:
            window.editor.restore_state(editor_state)
        except Exception:  # a stale or hand-edited form state must not stop start-up
            window.editor.set_event(AttributionEvent(platform=DEFAULT_PLATFORM))
    if prefix := s.get(S.COMPANY_PREFIX):
        window.editor.set_company_prefix(prefix)
    window.destination.set_region(Region(s.get(S.REGION)))
    window.destination.set_custom_url(s.get(S.CUSTOM_URL))
    window.key_profiles.restore(s.get(S.PROFILE))
    target = s.get(S.TARGET)
    if not target and unreadable:
        # The saved choice is unknown: never guess production (a real project's data).
        target = Target.SANDBOX.value
    elif not target:
        # First start: without a key in the environment, the offline sandbox works at once.
        has_env_key = bool(environ.get(KEY_ENV_VAR, "").strip())
        target = Target.AMPLITUDE.value if has_env_key else Target.SANDBOX.value
    window.destination.set_target(Target(target))
    if not editor_state and not s.existed and target == Target.SANDBOX.value:
        # The first start (the form is saved at every shutdown), on the sandbox: a sample
        # event that is valid as it is, so a new user can press Send at once. Not when it
        # would go to Amplitude (a key in the environment): a fake install in a real
        # project. File > New event starts from an empty one.
        window.editor.set_event(first_run_event())
    window.timeout.setValue(s.get(S.TIMEOUT_S))
    window.preview.set_format(Format(s.get(S.PREVIEW_FORMAT)))
    window.preview.set_transport(Transport(s.get(S.TRANSPORT)))
    window.response.pretty.setChecked(s.get(S.PRETTY_JSON))
    notes = []
    if unreadable:
        notes.append(f"{unreadable}: this session starts from the defaults, on the sandbox.")
    elif reset := s.check_all():
        notes.append(f"Some settings were invalid and were reset to their defaults: "
                     f"{', '.join(reset)}.")
    if unsaved:
        notes.append(f"{unsaved}: changes to the settings will not be kept after quitting.")
    if notes:
        # No timeout: the user should see which preferences were lost, or will be.
        window.statusBar().showMessage(" ".join(notes))


def first_run_event() -> AttributionEvent:
    """What the form holds at the very first start: an iOS install with a fresh IDFA."""
    from attribution_workbench.core.ids import new_ad_id

    return AttributionEvent(
        event_type=f"{SAMPLE_PREFIX} Install",
        platform="ios",
        idfa=new_ad_id("ios"),
        user_properties={f"{SAMPLE_PREFIX} media source": "first run sample"},
    )


def save_settings(window: MainWindow, settings: S.Settings) -> None:
    s = settings
    s.set(S.WINDOW_GEOMETRY, bytes(window.saveGeometry().data()))
    s.set(S.WINDOW_STATE, bytes(window.saveState().data()))
    s.set(S.MAIN_SPLITTER, bytes(window.main_splitter.saveState().data()))
    s.set(S.RIGHT_SPLITTER, bytes(window.right_splitter.saveState().data()))
    if (state := S.json_object(window.editor.save_state())) is not None:
        s.set(S.EDITOR_STATE, state)
    s.set(S.COMPANY_PREFIX, window.editor.company_prefix())
    s.set(S.REGION, window.destination.current_region().value)
    target = window.destination.current_target()
    if target is not window.target_for_this_run:  # --sandbox is for one run, not a choice
        s.set(S.TARGET, target.value)
    s.set(S.CUSTOM_URL, window.destination.custom_url.text().strip())
    s.set(S.PROFILE, window.destination.current_profile())
    s.set(S.TIMEOUT_S, window.timeout.value())
    s.set(S.PREVIEW_FORMAT, window.preview.current_format().value)
    s.set(S.TRANSPORT, window.preview.current_transport().value)
    s.set(S.PRETTY_JSON, window.response.pretty.isChecked())
    s.sync()
