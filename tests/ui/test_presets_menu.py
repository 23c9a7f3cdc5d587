"""File ▸ Presets: apply built-ins (fresh IDs, destination kept), save, rename, delete."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtGui import QGuiApplication

from attribution_workbench.core.regions import Region
from attribution_workbench.core.wire import KEY_ENV_VAR, Format
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.presets_menu import PresetsMenu
from window_helpers import OFFSCREEN_NOISE, settle

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)


def presets_menu(window: MainWindow) -> PresetsMenu:
    menu = window.window_actions.presets
    assert menu is not None
    menu.refresh()  # what aboutToShow does
    return menu


def test_presets_are_not_loaded_at_start(window: MainWindow) -> None:
    menu = window.window_actions.presets
    assert menu is not None and menu._builtin is None and menu._user is None


def test_applying_a_preset_fills_the_form_with_fresh_ids(qtbot: QtBot, window: MainWindow) -> None:
    window.destination.set_region(Region.EU)
    settle(qtbot, window)
    menu = presets_menu(window)
    action = menu.preset_actions()["Facebook install on iOS (via AppsFlyer)"]
    action.trigger()
    settle(qtbot, window)
    first = window.editor.current_event()
    assert first.event_type == "[AppsFlyer] Install"
    assert first.user_properties["[AppsFlyer] media source"] == "Facebook Ads"
    assert first.idfa == first.idfa.upper()
    assert window.editor.form.build_event().idfa == first.idfa  # the form shows it
    assert window.destination.current_region() is Region.EU  # destination unchanged
    assert window.send_blockers() == []
    action.trigger()
    settle(qtbot, window)
    assert window.editor.current_event().idfa != first.idfa


def test_docs_example_goes_in_verbatim(qtbot: QtBot, window: MainWindow) -> None:
    presets_menu(window).preset_actions()["Amplitude docs: Android example"].trigger()
    settle(qtbot, window)
    assert window.editor.is_raw_authority()
    assert window.editor.wire_text() is not None
    assert '"adid": "AEBE52E7-03EE-455A-B3C4-E57283966239"' in window.editor.wire_text()


def test_save_rename_delete(qtbot: QtBot, window: MainWindow) -> None:
    menu = presets_menu(window)
    assert not menu.manage_action.isEnabled()
    menu.save_current("Smoke test", "my device")
    menu.refresh()
    assert "Smoke test" in menu.preset_actions()
    assert menu.manage_action.isEnabled()

    # Change the form, then start again from the saved preset: its IDs are kept as saved.
    saved_idfa = window.editor.current_event().idfa
    menu.preset_actions()["Branch install on iOS"].trigger()
    menu.preset_actions()["Smoke test"].trigger()
    settle(qtbot, window)
    assert window.editor.current_event().idfa == saved_idfa

    dialog = menu.show_manage()
    qtbot.addWidget(dialog)
    assert dialog.names() == ["Smoke test"]
    dialog.new_name.clear()
    qtbot.keyClicks(dialog.new_name, "../escape")
    dialog.rename_button.click()
    assert "cannot contain" in dialog.problem.text()
    dialog.new_name.setText("Renamed")
    dialog.rename_button.click()
    assert dialog.names() == ["Renamed"]
    menu.refresh()
    assert "Renamed" in menu.preset_actions() and "Smoke test" not in menu.preset_actions()

    dialog.delete_button.click()  # asks first
    assert dialog.names() == ["Renamed"]
    dialog.delete_button.click()
    assert dialog.names() == []
    menu.refresh()
    assert "Renamed" not in menu.preset_actions()
    dialog.close()


def test_save_dialog_reports_bad_names_and_asks_before_replacing(
    qtbot: QtBot, window: MainWindow
) -> None:
    from attribution_workbench.ui.presets_dialogs import SavePresetDialog

    menu = presets_menu(window)
    dialog = SavePresetDialog(menu, window)
    qtbot.addWidget(dialog)
    dialog.name.setText("a/b")
    dialog.accept()
    assert "cannot contain" in dialog.problem.text()
    dialog.name.setText("Twice")
    dialog.accept()
    menu.save_current("Again", "")
    dialog2 = SavePresetDialog(menu, window)
    qtbot.addWidget(dialog2)
    dialog2.name.setText("Again")
    dialog2.accept()
    assert "Press Save again" in dialog2.problem.text()
    dialog2.accept()
    assert dialog2.result() == dialog2.DialogCode.Accepted


def test_copy_as_httpie_with_env_key(qtbot: QtBot, window: MainWindow) -> None:
    window.preview.set_format(Format.BODY)
    action = window.preview.copy_as_actions[Format.HTTPIE]
    assert action in window.preview.copy.menu().actions()
    assert action.isEnabled()
    action.trigger()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("printf %s ") and "| http POST" in copied
    assert "${" + KEY_ENV_VAR + "}" in copied
    window.preview.copy_as_actions[Format.CURL].trigger()
    assert QGuiApplication.clipboard().text().startswith("curl ")
