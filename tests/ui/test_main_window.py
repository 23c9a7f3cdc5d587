"""The main window as a user meets it: first run, destination, preview, menus, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QWidget,
)

import attribution_workbench
from attribution_workbench.core.regions import Region, Target
from attribution_workbench.core.wire import KEY_ENV_VAR, Format, Transport
from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
from attribution_workbench.ui import colours, unsaved
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.main_window import MainWindow
from attribution_workbench.ui.menus import DOCS_URL
from attribution_workbench.ui.services import Services
from attribution_workbench.ui.settings import Settings
from window_helpers import IOS_EVENT, OFFSCREEN_NOISE, UrlRecorder, open_window, settle, wait_sent

pytest_plugins = ["conftest_window"]  # the window fixtures
pytestmark = pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE)

SENTINEL_KEY = "5e171ne1c0ffee5e171ne1c0ffee5e17"


def wait_key_note(qtbot: QtBot, window: MainWindow, words: str) -> None:
    """Wait for the key lookup (a worker) to report, then for the rebuild it triggers."""
    qtbot.waitUntil(lambda: words in window.destination.key_note.text())
    settle(qtbot, window)


def action(window: MainWindow, text: str) -> object:
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for item in menu.actions() if menu else []:
            if item.text().replace("&", "") == text:
                return item
    raise AssertionError(f"no menu item {text!r}")


# --- first run -----------------------------------------------------------------------------------
def test_first_run_targets_the_sandbox_with_a_banner(window: MainWindow) -> None:
    assert window.destination.target.currentData() == "sandbox"
    assert window.banner.isVisible()
    assert "Sandbox — nothing leaves this computer" in window.banner.text.text()
    assert window.backend.sandbox is not None
    assert window.backend.sandbox.base_url in window.banner.text.text()
    endpoint = window.destination.endpoint.text()
    assert endpoint == window.backend.sandbox.base_url + "/us/attribution"
    assert "demo key" in window.destination.key_note.text()


def test_banner_button_switches_to_amplitude(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.mouseClick(window.banner.switch, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.destination.target.currentData() == "amplitude"
    assert not window.banner.isVisible()
    assert window.destination.endpoint.text() == "https://api2.amplitude.com/attribution"


def test_a_key_in_the_environment_makes_amplitude_the_first_target(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, SENTINEL_KEY)
    services.environ = {KEY_ENV_VAR: SENTINEL_KEY}
    window = open_window(qtbot, services)
    assert window.destination.target.currentData() == "amplitude"
    assert not window.banner.isVisible()
    window.editor.set_event(IOS_EVENT)
    wait_key_note(qtbot, window, "$AMPLITUDE_API_KEY")
    assert window.send_button.isEnabled()
    assert SENTINEL_KEY not in window.preview.preview.toPlainText()


def test_a_key_encoded_on_the_wire_is_not_copied_as_env(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd_key = "ab+cd/ef=0123456789abcdef012345"  # percent-encoded in the body
    monkeypatch.setenv(KEY_ENV_VAR, odd_key)
    services.environ = {KEY_ENV_VAR: odd_key}
    window = open_window(qtbot, services)
    window.editor.set_event(IOS_EVENT)
    wait_key_note(qtbot, window, "$AMPLITUDE_API_KEY")
    settle(qtbot, window)
    assert not window.preview.copy_env_action.isEnabled()
    QGuiApplication.clipboard().setText("before")
    window.preview.copy_as(Format.CURL)  # as the disabled menu item would
    assert QGuiApplication.clipboard().text() == "before"
    assert "encoded on the wire" in window.statusBar().currentMessage()


def test_no_key_for_amplitude_disables_send_and_says_how_to_add_one(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.destination.set_target(Target.AMPLITUDE)
    qtbot.waitUntil(lambda: "none found" in window.destination.key_note.text())
    settle(qtbot, window)
    assert not window.send_button.isEnabled()
    tip = window.send_button.toolTip()
    assert "No API key for US (standard)" in tip and "attribution-cli key set" in tip
    assert window.send_bar.blockers.text().startswith("Can't send: No API key")
    assert not window.window_actions.send.isEnabled()


def test_a_key_in_the_keyring_is_used(
    qtbot: QtBot, window: MainWindow, memory_keyring: object
) -> None:
    from attribution_workbench.core.credentials import KeyStore

    KeyStore().set("default", "eu", SENTINEL_KEY)
    window.destination.set_region(Region.EU)
    window.destination.set_target(Target.AMPLITUDE)
    wait_key_note(qtbot, window, "OS keyring")
    assert window.send_button.isEnabled()
    request = window.prepared_request()
    assert request is not None and request.api_key == SENTINEL_KEY
    assert request.url == "https://api.eu.amplitude.com/attribution"


# --- findings and Send ---------------------------------------------------------------------------
def test_send_is_disabled_with_the_reasons_until_the_event_is_valid(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # File ▸ New
    settle(qtbot, window)
    assert not window.send_button.isEnabled()
    tip = window.send_button.toolTip()
    assert tip.startswith("Can't send yet:")
    assert "event_type" in tip and "idfa" in tip

    qtbot.keyClicks(window.editor.form.event_type, "[Adjust] Install")
    settle(qtbot, window)
    assert "event_type" not in window.send_button.toolTip()
    assert not window.send_button.isEnabled()

    idfa = window.findChild(QLineEdit, "idfa")
    qtbot.keyClicks(idfa, "6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84")
    settle(qtbot, window)
    assert window.send_button.isEnabled()
    assert "Ctrl+Return" in window.send_button.toolTip()
    assert window.send_bar.blockers.text() == ""


def test_preview_follows_typing(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.editor.form.event_type, " v2")
    settle(qtbot, window)
    assert "Install%20v2" in window.preview.preview.toPlainText()
    assert window.prepared_request() is not None
    assert window.prepared_request().event_text == window.editor.wire_text()


def test_unreadable_raw_json_blocks_send_and_the_preview_says_why(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.editor.set_text('{"event_type": "[A] Install", ')
    settle(qtbot, window)
    assert window.prepared_request() is None
    assert not window.send_button.isEnabled()
    assert window.preview.preview.toPlainText() == ""
    assert "raw JSON" in window.preview.preview.placeholderText()


# --- destination ---------------------------------------------------------------------------------
def test_region_badge_text_and_colour_follow_the_region(qtbot: QtBot, window: MainWindow) -> None:
    badge = window.destination.badge
    assert badge.text() == "US · standard"
    assert colours.fill_of(badge) == colours.US
    window.destination.region.setFocus()
    qtbot.keyClick(window.destination.region, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert window.destination.region.currentData() == "eu"
    assert badge.text() == "EU · residency"
    assert colours.fill_of(badge) == colours.EU  # a different colour, and different words
    assert window.destination.endpoint.text().endswith("/eu/attribution")
    assert DEMO_KEYS["eu"][-4:] in window.preview.preview.toPlainText()


def test_custom_plain_http_url_is_refused(qtbot: QtBot, window: MainWindow) -> None:
    window.destination.set_target(Target.CUSTOM)
    assert window.destination.custom_url.isVisible()
    qtbot.keyClicks(window.destination.custom_url, "http://example.com/attribution")
    settle(qtbot, window)
    error = window.destination.url_error
    assert error.isVisible()
    assert "plain http:// to example.com" in error.text()
    assert not window.send_button.isEnabled()
    assert "plain http://" in window.send_button.toolTip()
    assert window.prepared_request() is None

    window.destination.custom_url.clear()
    qtbot.keyClicks(window.destination.custom_url, "https://example.com/attribution")
    settle(qtbot, window)
    assert not error.isVisible()
    assert window.destination.endpoint.text() == "https://example.com/attribution"


def test_custom_url_field_shows_only_for_custom(qtbot: QtBot, window: MainWindow) -> None:
    assert not window.destination.custom_url.isVisible()
    window.destination.set_target(Target.CUSTOM)
    assert window.destination.custom_url.isVisible()
    window.destination.set_target(Target.AMPLITUDE)
    assert not window.destination.custom_url.isVisible()


# --- preview -------------------------------------------------------------------------------------
def test_preview_masks_the_key_until_revealed(qtbot: QtBot, window: MainWindow) -> None:
    key = DEMO_KEYS["us"]
    text = window.preview.preview.toPlainText()
    assert key not in text and text.startswith("api_key=••••••••")
    assert window.preview.preview.isReadOnly()
    assert "key masked" in window.preview.info.text()
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.preview.reveal_key.isChecked()
    assert window.preview.preview.toPlainText().startswith(f"api_key={key}&event=")
    qtbot.mouseClick(window.preview.reveal_key, Qt.MouseButton.LeftButton)
    assert key not in window.preview.preview.toPlainText()


def test_a_format_change_renders_the_preview_once(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[Format] = []
    real = window.preview._render

    def counting() -> None:
        renders.append(window.preview.current_format())
        real()

    monkeypatch.setattr(window.preview, "_render", counting)
    window.preview.set_format(Format.CURL)
    assert renders == [Format.CURL]
    assert window.preview.preview.toPlainText().startswith("curl -X POST")


def test_copy_copies_what_is_shown_and_never_the_hidden_key(
    qtbot: QtBot, window: MainWindow
) -> None:
    clipboard = QGuiApplication.clipboard()
    qtbot.mouseClick(window.preview.copy, Qt.MouseButton.LeftButton)
    assert clipboard.text() == window.preview.preview.toPlainText()
    assert DEMO_KEYS["us"] not in clipboard.text()
    assert "masked" in window.statusBar().currentMessage()

    window.preview.set_format(Format.CURL)
    assert window.preview.copy_env_action.isEnabled()
    window.preview.copy_env_action.trigger()
    assert '"${AMPLITUDE_API_KEY}"' in clipboard.text()
    assert DEMO_KEYS["us"] not in clipboard.text()

    window.preview.reveal_action.setChecked(True)
    window.preview.copy_action.trigger()
    assert DEMO_KEYS["us"] in clipboard.text()
    window.preview.set_format(Format.BODY)
    assert not window.preview.copy_env_action.isEnabled()


@pytest.mark.parametrize(
    ("key", "fmt", "start"),
    [
        (Qt.Key.Key_1, Format.BODY, "api_key="),
        (Qt.Key.Key_2, Format.QUERY, "http://127.0.0.1:"),
        (Qt.Key.Key_3, Format.CURL, "curl -X POST"),
        (Qt.Key.Key_4, Format.PYTHON, "import requests"),
        (Qt.Key.Key_5, Format.JSON, "{"),
    ],
)
def test_view_shortcuts_switch_the_preview_format(
    qtbot: QtBot, window: MainWindow, key: Qt.Key, fmt: Format, start: str
) -> None:
    qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
    assert window.preview.current_format() is fmt
    assert window.preview.tabs.tabData(window.preview.tabs.currentIndex()) == fmt.value
    assert window.preview.preview.toPlainText().startswith(start)


@pytest.mark.parametrize("fmt", [Format.BODY, Format.JSON, Format.PYTHON])
def test_preview_stays_exact_through_many_small_edits(
    qtbot: QtBot, window: MainWindow, fmt: Format
) -> None:
    # The pane patches only the changed part of its text; emoji (two UTF-16 units each),
    # line breaks and edits at either end must all land in the right place.
    window.preview.set_format(fmt)
    values = ["a", "a😀", "😀a😀", "x\ny", "", "Ω" * 40, "+&=%#", "a😀"]
    for number, value in enumerate(values * 2):
        props = {"[A] first": value, "[A] n": number, "[A] last": value[::-1]}
        window.editor.set_event(IOS_EVENT.with_fields(user_properties=props))
        settle(qtbot, window)
        assert window.preview.preview.toPlainText() == window.preview.shown_text()
        request = window.prepared_request()
        assert request is not None
        assert window.preview.shown_text() == request.render(fmt, window.preview.key_style())


def test_query_transport_shows_no_body_and_a_long_url(qtbot: QtBot, window: MainWindow) -> None:
    window.preview.transport.setFocus()
    qtbot.keyClick(window.preview.transport, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert window.preview.current_transport() is Transport.QUERY
    assert window.preview.preview.toPlainText() == ""
    assert "No body" in window.preview.preview.placeholderText()
    assert "query string" in window.preview.info.text()
    assert "Content-Length: 0 bytes" in window.preview.info.text()


# --- menus, keyboard, accessibility --------------------------------------------------------------
def test_menus_show_their_shortcuts(window: MainWindow) -> None:
    expected = {
        "New event": "Ctrl+N",
        "Open event…": "Ctrl+O",
        "Save event as…": "Ctrl+S",
        "Quit": "Ctrl+Q",
        "Copy preview": "Ctrl+Shift+C",
        "Reveal key": "Ctrl+Shift+R",
        "Send": "Ctrl+Return",
        "Form body": "Ctrl+1",
        "Decoded JSON": "Ctrl+5",
    }
    for text, shortcut in expected.items():
        assert action(window, text).shortcut().toString() == shortcut, text  # type: ignore[attr-defined]
    sequences = [s.toString() for s in window.window_actions.send.shortcuts()]
    assert sequences == ["Ctrl+Return", "Ctrl+Enter"]
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Request", "Help"]


def test_every_input_outside_the_editor_has_an_accessible_name(window: MainWindow) -> None:
    kinds = (QLineEdit, QComboBox, QSpinBox, QPlainTextEdit, QAbstractButton)
    for area in (window.destination, window.preview, window.send_bar, window.response):
        for widget in area.findChildren(QWidget):
            if isinstance(widget, kinds):
                name = widget.objectName()
                if name.startswith("qt_") or (isinstance(widget, QToolButton) and not name):
                    continue  # Qt's own parts (a spin box's line edit, tab scroll arrows)
                assert widget.accessibleName(), f"{widget!r} has no accessible name"


def test_tab_order_runs_down_the_right_side(qtbot: QtBot, window: MainWindow) -> None:
    window.destination.set_target(Target.CUSTOM)
    window.activateWindow()
    window.destination.region.setFocus()
    qtbot.waitUntil(lambda: window.destination.region.hasFocus())
    names = [window.focusWidget().objectName()]
    for _ in range(12):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        names.append(window.focusWidget().objectName())
    expected = ["region", "target", "custom_url", "endpoint", "profile", "verify"]
    expected += ["preview_format", "preview", "transport", "reveal_key", "copy_preview"]
    expected += ["timeout", "send"]
    assert names == expected


def test_one_tab_round_stops_once_per_control_each_with_a_spoken_name(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.activateWindow()
    start = window.editor.form.event_type
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    stops: list[QWidget] = []
    for _ in range(80):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        focused = window.focusWidget()
        assert focused is not None
        if focused is start:
            break
        stops.append(focused)
    else:
        raise AssertionError("Tab never came back to event_type")
    names = [widget.objectName() for widget in stops]
    assert names.count("time_picker") == 1  # Tab leaves the picker; Left/Right move its parts
    assert not any(isinstance(widget, QScrollArea) for widget in stops)
    # The answer is read right after Send; the banner and the editor's tabs precede the form.
    assert names.index("response_status") == names.index("send") + 1
    assert names[-2] == "sandbox_switch" and stops[-1].parentWidget() is window.editor.tabs
    for widget in stops:
        # What a screen reader says: the accessible name, or a label's own text.
        spoken = widget.accessibleName() or (widget.text() if isinstance(widget, QLabel) else "")
        assert spoken, f"{type(widget).__name__} {widget.objectName()!r} says nothing"
    assert window.destination.endpoint.accessibleName() == ""  # read as its text: the URL


def test_help_menu_opens_the_docs_and_about_shows_the_version(
    window: MainWindow, url_recorder: UrlRecorder
) -> None:
    window.window_actions.docs.trigger()
    assert url_recorder.opened == [DOCS_URL]
    box = window.window_actions.show_about()
    assert box.isVisible() and not box.isModal()
    from attribution_workbench import __version__

    assert __version__ in box.text()
    assert not box.iconPixmap().isNull()
    box.close()


def test_open_and_save_event_files(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    text = '{ "event_type": "[Branch] Install", "platform": "android", "adid": "x" }'
    source.write_text(text, encoding="utf-8")
    assert window.open_event_file(source)
    settle(qtbot, window)
    assert window.editor.wire_text() == text
    saved = tmp_path / "out.json"
    assert window.save_event_file(saved)
    assert saved.read_text(encoding="utf-8") == text  # raw text stays verbatim

    window.editor.set_event(IOS_EVENT)
    assert window.save_event_file(saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == IOS_EVENT.to_dict()

    (tmp_path / "bad.json").write_bytes(b"\xff\xfe\x00")
    assert not window.open_event_file(tmp_path / "bad.json")
    assert "not UTF-8" in window.statusBar().currentMessage()
    assert not window.open_event_file(tmp_path / "missing.json")


def test_open_action_uses_the_file_dialog(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.json"
    path.write_text('{"event_type": "[A] B", "platform": "ios", "idfv": "x"}', encoding="utf-8")
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getOpenFileName",
        lambda *args, **kwargs: (str(path), ""),
    )
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert '"[A] B"' in (window.editor.wire_text() or "")


# --- settings ------------------------------------------------------------------------------------
def test_settings_are_restored_and_never_hold_the_key(
    qtbot: QtBot, services: Services, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, SENTINEL_KEY)
    first = open_window(qtbot, services)
    first.editor.set_event(IOS_EVENT)
    first.editor.set_company_prefix("[Adjust]")
    first.destination.set_region(Region.EU)
    first.destination.set_target(Target.CUSTOM)
    first.destination.set_custom_url(sandbox.base_url + "/eu/attribution")
    first.timeout.setValue(42)
    first.preview.set_format(Format.CURL)
    first.preview.set_transport(Transport.QUERY)
    first.preview.reveal_action.setChecked(True)
    qtbot.waitUntil(lambda: first.prepared_request() is not None)
    qtbot.waitUntil(lambda: SENTINEL_KEY in first.preview.preview.toPlainText())
    first.resize(780, 560)  # inside the offscreen screen (800 x 600), so nothing is clamped
    size = (first.width(), first.height())
    first.close()

    path = Path(services.settings.path)
    assert path.is_file() and str(path).startswith(str(Path.home()))
    assert SENTINEL_KEY.encode() not in path.read_bytes()

    services.settings = Settings()
    second = open_window(qtbot, services)
    assert second.destination.current_region() is Region.EU
    assert second.destination.current_target() is Target.CUSTOM
    assert second.destination.custom_url.text() == sandbox.base_url + "/eu/attribution"
    assert second.timeout.value() == 42
    assert second.preview.current_format() is Format.CURL
    assert second.preview.current_transport() is Transport.QUERY
    assert not second.preview.reveal_key.isChecked()  # the key is masked on every start
    assert second.editor.company_prefix() == "[Adjust]"
    assert second.editor.wire_text() == IOS_EVENT.canonical_json()
    assert (second.width(), second.height()) == size


def test_the_first_start_holds_a_sample_that_sends_as_it_is_and_later_starts_do_not(
    qtbot: QtBot, services: Services, sandbox: SandboxServer
) -> None:
    first = open_window(qtbot, services)
    qtbot.waitUntil(lambda: first.backend.sandbox is not None)
    settle(qtbot, first)
    sample = first.editor.current_event()
    assert sample.event_type == "[Sample] Install" and sample.platform == "ios"
    assert sample.idfa and sample.idfa == sample.idfa.upper()
    assert first.destination.current_target() is Target.SANDBOX
    assert first.send_blockers() == [] and first.send_button.isEnabled()  # Send works at once
    assert not first.isWindowModified()  # nothing to save or to lose
    first.send()
    qtbot.waitUntil(lambda: first.response.status.text().startswith("✓ 200"), timeout=10_000)
    first.new_event()  # File > New event: the user's own, empty one
    first.close()

    services.settings = Settings()
    second = open_window(qtbot, services)
    assert second.editor.current_event().event_type is None  # the saved form, not the sample


def test_a_first_start_that_targets_amplitude_holds_no_sample(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key in the environment points the first start at Amplitude: a sendable sample
    # there would be one Ctrl+Return from a fake install in a real project.
    monkeypatch.setenv(KEY_ENV_VAR, SENTINEL_KEY)
    window = open_window(qtbot, services)
    assert window.destination.current_target() is Target.AMPLITUDE
    assert window.editor.current_event().event_type is None
    assert window.send_blockers() != []


def test_the_request_read_right_after_a_change_is_the_changed_one(window: MainWindow) -> None:
    # The rebuild waits for the event loop's next turn; readers (Send, automation, tests)
    # must not get the request from before the change in the meantime.
    assert "/us/" in (window.prepared_request() or pytest.fail("no request")).url
    window.destination.set_region(Region.EU)
    request = window.prepared_request()
    assert request is not None and "/eu/" in request.url
    window.editor.set_event(IOS_EVENT.with_fields(idfa=None))
    assert any("idfa" in reason for reason in window.send_blockers())


def test_a_key_typed_into_the_event_is_not_saved_either(
    qtbot: QtBot, window: MainWindow, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, SENTINEL_KEY)
    window.destination.set_target(Target.AMPLITUDE)
    wait_key_note(qtbot, window, "$AMPLITUDE_API_KEY")
    window.editor.set_event(IOS_EVENT.with_fields(user_properties={"[A] oops": SENTINEL_KEY}))
    window.close()
    assert SENTINEL_KEY.encode() not in Path(services.settings.path).read_bytes()


def test_garbage_settings_fall_back_to_defaults(qtbot: QtBot, services: Services) -> None:
    path = Path(services.settings.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[destination]\nregion=mars\ntarget=42\ncustom_url=@Invalid()\n"
        "[send]\ntimeout_seconds=-7\n[preview]\nformat=xml\ntransport=pigeon\n"
        "[editor]\nstate={not json\n[window]\ngeometry=garbage\n",
        encoding="utf-8",
    )
    services.settings = Settings()
    window = open_window(qtbot, services)
    assert window.destination.current_region() is Region.US
    assert window.destination.current_target() is Target.SANDBOX
    assert window.timeout.value() == S.TIMEOUT_S.default
    assert window.preview.current_format() is Format.BODY
    assert window.preview.current_transport() is Transport.BODY


def test_settings_file_lives_under_the_org_and_app_name(services: Services) -> None:
    path = Path(services.settings.path)
    assert path.parent.name == S.ORGANIZATION
    assert path.name == S.APPLICATION + ".ini"
    assert path.parent.parent == Path.home() / ".config"


# --- unsaved changes -----------------------------------------------------------------------------
class Answers:
    """Stands in for ``unsaved.ask_discard``: records each question, answers from a list."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, parent: object) -> bool:
        self.asked += 1
        return self.answers.pop(0)


def test_new_and_open_ask_before_discarding_changes(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = Answers(False, True, False, True)
    monkeypatch.setattr(unsaved, "ask_discard", answers)
    assert window.windowTitle() == "Attribution Workbench[*]"
    assert not window.isWindowModified()

    # Nothing changed: New asks nothing.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked == 0 and not window.isWindowModified()

    qtbot.keyClicks(window.editor.form.event_type, "[Adjust] Install")
    assert window.isWindowModified()
    # Cancel keeps the event; Discard replaces it.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked == 1
    assert window.editor.current_event().event_type == "[Adjust] Install"
    assert window.isWindowModified()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked == 2
    assert window.editor.current_event().event_type in (None, "")
    assert not window.isWindowModified()

    # Undoing an edit by hand is no change; switching the tab is none either.
    qtbot.keyClicks(window.editor.form.event_type, "X")
    assert window.isWindowModified()
    qtbot.keyClick(window.editor.form.event_type, Qt.Key.Key_Backspace)
    assert not window.isWindowModified()
    window.editor.tabs.setCurrentIndex(1)
    assert not window.isWindowModified()

    # Open: asked after the file was read (an unreadable file asks nothing).
    path = tmp_path / "e.json"
    path.write_text('{"event_type": "[A] B", "platform": "ios", "idfv": "x"}', encoding="utf-8")
    window.editor.set_text('{"event_type": "[Typed] Here"}')
    assert window.isWindowModified()
    assert not window.open_event_file(tmp_path / "missing.json")
    assert answers.asked == 2
    assert not window.open_event_file(path)  # Cancel
    assert answers.asked == 3 and window.editor.wire_text() == '{"event_type": "[Typed] Here"}'
    assert window.open_event_file(path)  # Discard
    assert answers.asked == 4 and '"[A] B"' in (window.editor.wire_text() or "")
    assert not window.isWindowModified()

    # Saving makes the event unchanged again.
    qtbot.keyClicks(window.editor.form.event_type, "C")
    assert window.isWindowModified()
    assert window.save_event_file(tmp_path / "out.json")
    assert not window.isWindowModified()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert answers.asked == 4 and answers.answers == []


# --- staged start (the app's: first frame, then the panes) -------------------------------------
def test_a_staged_window_shows_its_frame_first_then_builds_the_panes_and_keeps_state(
    qtbot: QtBot, services: Services
) -> None:
    first = MainWindow(services)
    qtbot.addWidget(first)
    first.editor.set_event(IOS_EVENT)
    first.destination.set_region(Region.EU)
    first.resize(700, 500)  # fits the offscreen screen (800 x 600)
    first.shutdown()  # saves the settings

    window = MainWindow(services, staged=True)
    qtbot.addWidget(window)
    assert not window.is_ready()
    assert window.findChild(QPlainTextEdit, "event_json") is None
    menus = window.menuBar().actions()
    assert [a.text() for a in menus] == list(attribution_workbench.MENU_TITLES)
    assert not any(a.isEnabled() for a in menus)
    assert (window.width(), window.height()) == (700, 500)  # geometry before the first frame
    with qtbot.waitSignal(window.ready, timeout=5000):
        window.show()
    assert window.is_ready() and window.findChild(QPlainTextEdit, "event_json") is not None
    menus = window.menuBar().actions()
    assert [a.text() for a in menus] == list(attribution_workbench.MENU_TITLES)
    assert all(a.isEnabled() and a.menu() and a.menu().actions() for a in menus)
    assert window.editor.current_event().idfa == IOS_EVENT.idfa
    assert window.destination.current_region() is Region.EU
    assert not window.isWindowModified()
    qtbot.waitUntil(lambda: window.backend.sandbox is not None)  # services start after


def test_a_staged_window_closed_before_its_panes_exist_keeps_the_saved_settings(
    qtbot: QtBot, services: Services
) -> None:
    first = MainWindow(services)
    qtbot.addWidget(first)
    first.editor.set_event(IOS_EVENT)
    first.shutdown()
    saved = services.settings.get(S.EDITOR_STATE)
    assert saved

    window = MainWindow(services, staged=True)
    qtbot.addWidget(window)
    window.shutdown()  # never shown: no panes, nothing to save, nothing overwritten
    window.finish_start()  # a late timer after shutdown builds nothing
    assert not window.is_ready()
    assert services.settings.get(S.EDITOR_STATE) == saved


def test_the_sandbox_flag_is_for_one_run_and_does_not_replace_the_saved_target(
    qtbot: QtBot, window: MainWindow
) -> None:
    from attribution_workbench.app import use_sandbox

    settings = window.backend.settings
    window.destination.set_target(Target.AMPLITUDE)
    window.save_settings()
    use_sandbox(window)  # what `attribution-workbench --sandbox` does once the panes exist
    assert window.destination.current_target() is Target.SANDBOX
    window.save_settings()
    assert settings.get(S.TARGET) == Target.AMPLITUDE.value
    window.destination.set_target(Target.CUSTOM)  # a choice made during the run is kept
    window.save_settings()
    assert settings.get(S.TARGET) == Target.CUSTOM.value


def test_preview_buttons_keep_the_shortcut_in_their_tooltips(window: MainWindow) -> None:
    from attribution_workbench.ui.preview_pane import shortcut_text

    preview = window.preview
    pairs = ((preview.copy, preview.copy_action), (preview.reveal_key, preview.reveal_action))
    for button, action in pairs:
        action.setEnabled(False)  # a tool button re-reads its action's tooltip on change
        action.setEnabled(True)
        assert shortcut_text(action) and shortcut_text(action) in button.toolTip()


def test_a_narrow_window_keeps_the_form_usable(qtbot: QtBot, window: MainWindow) -> None:
    from attribution_workbench.ui.main_window import EDITOR_MIN_WIDTH

    window.resize(400, 500)  # narrower than the window allows: it stops at its minimum
    settle(qtbot, window)
    assert window.editor.width() >= EDITOR_MIN_WIDTH
    assert window.editor.form.event_type.width() > 60  # a field, not a clipped sliver
    assert window.minimumSizeHint().width() <= 800  # still fits a small screen


def test_every_control_has_a_name_and_a_description(window: MainWindow) -> None:
    # The issue: "accessible names and descriptions on every input". A label may go without a
    # name (it is read as its own text).
    lacking = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.focusProxy() is not None:
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if widget.objectName() == "qt_spinbox_lineedit":  # the spin boxes' inner editors
            continue
        named = widget.accessibleName() or isinstance(widget, QLabel)
        if not (named and widget.accessibleDescription()):
            lacking.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert lacking == []


def test_an_unreadable_history_entry_leaves_the_destination_alone(window: MainWindow) -> None:
    from types import SimpleNamespace

    from attribution_workbench.ui.window_history import WindowHistory

    before = (window.destination.current_region(), window.destination.current_target())
    entry = SimpleNamespace(
        id=7, api="/attribution", event_text="{not json", region="eu", target="custom",
        url="http://127.0.0.1:9/eu/attribution", profile="default",
    )
    assert WindowHistory(window).app_event_for(entry) is None
    assert (window.destination.current_region(), window.destination.current_target()) == before
    assert "no readable event" in window.statusBar().currentMessage()


def test_a_huge_pasted_value_keeps_the_window_responsive(
    qtbot: QtBot, window: MainWindow
) -> None:
    # A pasted 5 MB property froze the window for seconds a keystroke: the table laid out
    # the whole value on every repaint, Qt's default wrap searched the 5 MB "word" for a
    # break, and the request was re-encoded after every key. (Budgets are measured in
    # bench/, not asserted here: these check the mechanisms.)
    from PySide6.QtGui import QTextOption
    from PySide6.QtWidgets import QPlainTextEdit, QTableView

    from attribution_workbench.ui.main_window import LARGE_EVENT_PAUSE_MS
    from attribution_workbench.ui.properties_model import CELL_CHARS

    blob = "x" * 1_000_000
    small = json.dumps(IOS_EVENT.to_dict())
    event = {**IOS_EVENT.to_dict(), "user_properties": {"[Acme] blob": blob}}
    raw = window.findChild(QPlainTextEdit, "event_json")
    raw.setPlainText(json.dumps(event))
    settle(qtbot, window)
    assert raw.wordWrapMode() is QTextOption.WrapMode.WrapAnywhere
    table = window.findChild(QTableView, "user_properties")
    shown = table.model().index(0, 1).data(Qt.ItemDataRole.DisplayRole)
    assert len(shown) < CELL_CHARS + 100 and "1,000,000 characters" in shown
    assert table.model().index(0, 1).data(Qt.ItemDataRole.EditRole) == blob
    # Edits of a huge event rebuild the request when typing pauses; Send never sees stale
    # bytes: prepared_request() runs the pending rebuild first.
    field = window.findChild(QLineEdit, "event_type")
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_X)
    assert window._rebuild_timer.isActive()
    assert window._rebuild_timer.interval() == LARGE_EVENT_PAUSE_MS
    prepared = window.prepared_request()
    assert prepared is not None and "Installx" in prepared.event_text
    assert blob in prepared.event_text
    # A small event goes back to the usual wrap and immediate rebuilds.
    raw.setPlainText(small)
    settle(qtbot, window)
    assert raw.wordWrapMode() is QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
    qtbot.keyClick(field, Qt.Key.Key_X)
    assert window._rebuild_timer.interval() == 0


def test_tab_leaves_every_table_and_ctrl_d_never_deletes(
    qtbot: QtBot, window: MainWindow
) -> None:
    # Qt's tables move Tab from cell to cell and wrap round by default: the API keys dialog
    # could not be left by keyboard. And StandardKey.Delete holds Ctrl+D on Linux (xcb),
    # so View > Demo's shortcut deleted the current property row.
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QAbstractItemView, QTableView

    from attribution_workbench.ui.keys import KeyBindings

    window.send()
    wait_sent(qtbot, window)
    window.show_history()
    window.window_actions.batch.trigger()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    tables = [t for t in QApplication.allWidgets() if isinstance(t, QTableView)]
    names = {t.objectName() for t in tables}
    assert {"user_properties", "response_headers", "history_table"} <= names, names
    assert {"profiles_table", "verify_matrix", "batch_results"} <= names, names
    assert [t.objectName() for t in tables if t.tabKeyNavigation()] == []
    headers = window.findChild(QTableView, "response_headers")
    window.response.tabs.setCurrentIndex(window.response.tabs.indexOf(headers))
    headers.setFocus()
    headers.setCurrentIndex(headers.model().index(0, 0))
    qtbot.keyClick(headers, Qt.Key.Key_Tab)
    assert not headers.hasFocus()
    for keys in window.findChildren(KeyBindings):
        for key, _callback in keys._bindings:
            assert key is not QKeySequence.StandardKey.Delete, keys.parent().objectName()
    table = window.findChild(QTableView, "user_properties")
    rows = table.model().rowCount()
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert table.model().rowCount() == rows
    assert isinstance(table, QAbstractItemView)


def test_panels_take_the_focus_when_shown_and_give_it_back_when_hidden(
    qtbot: QtBot, window: MainWindow
) -> None:
    # Opened from the keyboard, History and Demo left the focus in the form (about 35 Tabs
    # away); closing History from inside it put the focus on the banner's button.
    field = window.findChild(QLineEdit, "event_type")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    field.setFocus()
    for show, name in ((window.show_history, "history"), (window.show_demo, "demo_view")):
        dock = show()
        assert dock.objectName() == name and dock.isVisible()
        assert dock.isAncestorOf(QApplication.focusWidget())
        show()  # the same toggle hides it
        assert not dock.isVisible() and QApplication.focusWidget() is field
        show()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # Esc hides it too
        assert not dock.isVisible() and QApplication.focusWidget() is field


def test_small_screens_and_narrow_windows(qtbot: QtBot, window: MainWindow) -> None:
    # At 200 % scaling a 1080p laptop offers 960 x 540 logical pixels: the first window
    # was 1200 x 800, Send off-screen. At 1,024 px the time box showed three digits, and
    # opening the Demo grew the window to 1,276 px.
    from PySide6.QtCore import QSize

    from attribution_workbench.ui.main_window import DEFAULT_SIZE, default_size

    assert default_size(QSize(1920, 1080)) == DEFAULT_SIZE
    assert default_size(QSize(960, 540)) == (912, 513)
    window.resize(1024, 700)
    time_box = window.findChild(QLineEdit, "time")
    assert time_box.minimumWidth() > time_box.fontMetrics().horizontalAdvance("8" * 13)
    window.show_demo()
    qtbot.wait(50)
    assert window.width() == 1024 and window.minimumSizeHint().width() <= 1024
