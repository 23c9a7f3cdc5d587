"""Render the main window to PNG for the README: iOS success, Android error, Demo, History.

    xvfb-run -a .venv/bin/python tools/screenshots.py [--out docs/screenshots]

(``make screenshots`` runs exactly that.) Each shot is a real window talking to a real
in-process sandbox: the iOS event is sent to the sandbox and answered ``200 success``; the
Android event goes to the EU region through a custom loopback URL with a wrong key and is
answered ``400 invalid_api_key``. The Demo shot plays "Run demo" on the sandbox until the
timeline shows "Matched"; the History shot sends three events (two accepted, one wrong key)
into a temporary history file. Settings go to a temporary directory, so the user's own
window state is neither used nor changed. Without $DISPLAY it falls back to the offscreen
platform (fonts may then differ from a desktop).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "gui"))

SIZE = (1200, 800)
DOCK_SIZE = (1440, 900)  # the Demo and History shots: a dock beside/below the form
DEMO_WAIT_S = 20.0
# A laptop-sized window with the Demo dock beside the form (its controls wrap to two rows).
DEMO_SIZE = (1440, 900)
DEMO_DOCK_WIDTH = 520
WRONG_KEY = "0123456789abcdef0123456789abcdef"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    config = tempfile.mkdtemp(prefix="aw-shots-")
    os.environ["XDG_CONFIG_HOME"] = config
    os.environ.pop("AMPLITUDE_API_KEY", None)

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from attribution_workbench import assets
    from attribution_workbench.app import ClientSender
    from attribution_workbench.core.demo import MATCHED, StepState
    from attribution_workbench.core.event import AttributionEvent
    from attribution_workbench.core.history import History
    from attribution_workbench.core.regions import Region, Target
    from attribution_workbench.core.wire import Format
    from attribution_workbench.sandbox import DEMO_KEYS, SandboxServer
    from attribution_workbench.ui.demo_view import demo_panel
    from attribution_workbench.ui.history_view import HistoryPanel
    from attribution_workbench.ui.main_window import MainWindow
    from attribution_workbench.ui.services import Services
    from attribution_workbench.ui.settings import Settings

    app = QApplication(sys.argv[:1])
    app.setWindowIcon(assets.qicon(assets.Icon.APP))
    server = SandboxServer(port=0).start()

    class Sandbox:
        base_url = server.base_url
        keys = DEMO_KEYS

        def stop(self) -> None:
            pass

    def wrong_key(region: Region) -> tuple[str, str]:
        return WRONG_KEY, "environment"

    def wait(condition: Callable[[], bool], seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            app.processEvents()
            time.sleep(0.005)

    def wait_loop(condition: Callable[[], bool], seconds: float, what: str) -> None:
        """Poll ``condition`` from a QEventLoop (timers, workers and repaints keep running)."""
        loop = QEventLoop()
        deadline = time.monotonic() + seconds
        timed_out = False

        def check() -> None:
            nonlocal timed_out
            if condition():
                loop.quit()
            elif time.monotonic() > deadline:
                timed_out = True
                loop.quit()

        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(check)
        timer.start()
        check()
        if not condition() and not timed_out:
            loop.exec()
        timer.stop()
        if timed_out:
            raise TimeoutError(f"{what} did not happen within {seconds:g} s")

    def shoot(window: MainWindow, name: str, size: tuple[int, int] = SIZE) -> None:
        window.resize(*size)
        for _ in range(20):  # let layouts settle after the last text changes
            app.processEvents()
            time.sleep(0.01)
        path = args.out / name
        window.grab().save(str(path))
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def open_window(
        key_lookup: Callable[[Region], tuple[str, str] | None],
        size: tuple[int, int] = SIZE,
        history: Callable[[], History] | None = None,
    ) -> MainWindow:
        services = Services(
            settings=Settings(str(Path(config) / f"shot-{time.monotonic_ns()}.ini")),
            sender_factory=ClientSender,
            key_lookup=key_lookup,
            sandbox_starter=Sandbox,
            environ={},
            history=history,
        )
        window = MainWindow(services)
        window.resize(*size)
        window.show()
        window.start_background_work()
        return window

    args.out.mkdir(parents=True, exist_ok=True)
    try:
        # 1. iOS, first run: the sandbox target, a partner-style install event, 200 success.
        ios = open_window(lambda region: None)
        wait(lambda: ios.backend.sandbox is not None)
        ios.editor.set_company_prefix("[Adjust]")
        ios.editor.set_event(
            AttributionEvent(
                event_type="[Adjust] Install",
                platform="ios",
                idfa="6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84",
                idfv="A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF",
                time=1767225600000,
                user_properties={
                    "[Adjust] network": "Facebook Installs",
                    "[Adjust] campaign": "spring_launch",
                    "[Adjust] clicks": 3,
                    "[Adjust] organic": False,
                },
            )
        )
        wait(lambda: not ios.send_blockers())
        ios.send()
        wait(lambda: not ios.is_sending())
        shoot(ios, "main-ios-success.png")
        ios.close()

        # 2. Android to the EU region, raw JSON tab, a wrong key: 400 invalid_api_key.
        android = open_window(wrong_key)
        android.destination.set_region(Region.EU)
        android.destination.set_target(Target.CUSTOM)
        android.destination.set_custom_url(server.base_url + "/eu/attribution")
        android.editor.set_text(
            "{\n"
            '  "event_type": "[Branch] Install",\n'
            '  "platform": "android",\n'
            '  "adid": "3f2c8e1a-9b7d-4c6e-a5f4-1d2e3c4b5a69",\n'
            '  "android_app_set_id": "c0ffee00-1234-4abc-9def-0123456789ab",\n'
            '  "user_properties": {"[Branch] channel": "email", "[Branch] feature": "referral"}\n'
            "}"
        )
        android.editor.tabs.setCurrentIndex(1)  # the Raw JSON tab: sent exactly as typed
        android.preview.set_format(Format.CURL)
        wait(lambda: not android.send_blockers())
        android.send()
        wait(lambda: not android.is_sending())
        shoot(android, "main-android-error.png")
        android.close()

        # 3. View ▸ Demo: "Run demo" on the sandbox, shot once the timeline says "Matched".
        demo = open_window(lambda region: None, DEMO_SIZE)
        wait(lambda: demo.backend.sandbox is not None)
        demo_dock = demo.show_demo()
        # The dock's default share squeezes the form; give the timeline a readable column.
        for _ in range(10):
            app.processEvents()
        demo.resizeDocks([demo_dock], [DEMO_DOCK_WIDTH], Qt.Orientation.Horizontal)
        panel = demo_panel(demo)
        assert panel is not None
        panel.run_demo()

        def matched() -> bool:
            done = [step.title for step in panel.steps() if step.state is StepState.DONE]
            return not panel.script.running() and any(t.startswith(MATCHED) for t in done)

        wait_loop(matched, DEMO_WAIT_S, "the demo reaching “Matched”")
        shoot(demo, "demo-matched.png", DEMO_SIZE)
        demo.close()

        # 4. History (Ctrl+H): three sends, two accepted and one with a wrong key.
        history_file = Path(config) / "history.sqlite3"
        keys: dict[str, str | None] = {
            "key": None
        }  # None: the sandbox's demo key; a string: that key, for custom

        def history_key(region: Region) -> tuple[str, str] | None:
            return (keys["key"], "environment") if keys["key"] else None

        hist = open_window(history_key, DOCK_SIZE, history=lambda: History(history_file))
        wait(lambda: hist.backend.sandbox is not None)
        hist.show_history()
        sends = [
            (
                AttributionEvent(
                    event_type="[AppsFlyer] Install",
                    platform="ios",
                    idfa="6D0B3A4F-5C1E-4B8A-9D2F-7E3C1A0B9F84",
                ),
                None,
            ),
            (
                AttributionEvent(
                    event_type="[Branch] Install",
                    platform="android",
                    adid="3f2c8e1a-9b7d-4c6e-a5f4-1d2e3c4b5a69",
                ),
                WRONG_KEY,
            ),
            (
                AttributionEvent(
                    event_type="[Adjust] Install",
                    platform="android",
                    adid="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                    user_properties={"[Adjust] network": "Google Ads"},
                ),
                None,
            ),
        ]
        for event, key in sends:
            keys["key"] = key
            if key is None:
                hist.destination.set_region(Region.US)
                hist.destination.set_target(Target.SANDBOX)
            else:
                hist.destination.set_region(Region.EU)
                hist.destination.set_target(Target.CUSTOM)
                hist.destination.set_custom_url(server.base_url + "/eu/attribution")
            hist.editor.set_event(event)
            hist.rebuild_now()
            wait(lambda: not hist.send_blockers() and not hist.is_sending())
            hist.send()
            wait(lambda: not hist.is_sending())
        dock = hist.history_dock
        assert dock is not None
        history_panel = dock.widget()
        assert isinstance(history_panel, HistoryPanel)
        table = history_panel.table
        wait(lambda: table.model().rowCount() >= len(sends))
        table.resizeColumnsToContents()  # what a user would do: no wrapped times or types
        shoot(hist, "history.png", DOCK_SIZE)
        hist.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
