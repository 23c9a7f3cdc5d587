"""Packaging: the wheel carries resources/, the desktop files agree, the icons exist.

The PyInstaller bundle itself is checked by packaging/smoke_test.sh in CI (building it
takes a minute), not here; these tests stay fast. They do check the two things the bundle
relies on that can be checked without building it: that assets.py looks where the spec
puts resources/, and that the self-test the frozen app runs (``smoke.py``) passes on the
checkout.
"""

from __future__ import annotations

import configparser
import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from attribution_workbench import __version__, assets
from cli_harness import cli_env

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
SPEC = ROOT / "packaging" / "attribution-workbench.spec"
APP_ID = "io.github.attribution_workbench.AttributionWorkbench"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
BINARIES = {"attribution-workbench", "attribution-cli"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def resource_files() -> list[str]:
    return sorted(p.relative_to(RESOURCES).as_posix() for p in RESOURCES.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built by hatchling from this checkout (no network, ~0.1 s)."""
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("wheel")
    (path,) = WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])
    return Path(path)


# --- the wheel -------------------------------------------------------------------------------
def test_wheel_carries_every_resource_inside_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [f for f in resource_files() if f"attribution_workbench/resources/{f}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert not any(name.startswith("resources/") for name in names), "resources/ at top level"


def test_assets_finds_resources_in_an_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = (
        "import json; from attribution_workbench import assets; "
        "print(json.dumps([assets.__file__, str(assets.resources_dir()), "
        f"str(assets.resource_path({DESKTOP.name!r}))]))"
    )
    env = cli_env({"PYTHONPATH": str(site)})  # the wheel only, not the checkout's gui/
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    module, resources, desktop = (Path(p) for p in json.loads(result.stdout))
    package = (site / "attribution_workbench").resolve()
    assert module.resolve().parent == package, "imported the checkout, not the wheel"
    assert resources.resolve() == package / "resources"
    assert desktop.read_bytes() == DESKTOP.read_bytes()


# --- the bundle's layout -----------------------------------------------------------------------
def test_assets_looks_where_the_spec_puts_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = SPEC.read_text("utf-8")
    match = re.search(r'\(str\(ROOT / "resources"\), "([^"]+)"\)', spec)
    assert match, "the spec no longer lists resources/ in datas"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert tmp_path / match.group(1) in assets.candidate_dirs()


def test_app_spec_and_icon_script_use_the_app_id() -> None:
    from attribution_workbench import app

    assert app.APP_ID == APP_ID  # QGuiApplication.desktopFileName: matches the .desktop file
    assert f'bundle_identifier="{APP_ID}"' in SPEC.read_text("utf-8")
    script = (ROOT / "packaging" / "make_icons.py").read_text("utf-8")
    assert f'APP_ID = "{APP_ID}"' in script


def test_every_resource_loads_through_qt(qapp: object) -> None:
    """What the frozen app checks on itself first (smoke.py), on the checkout."""
    from attribution_workbench.smoke import check_resources

    count, problems = check_resources()
    assert problems == []
    assert count == len(resource_files())


def test_the_gui_smoke_test_passes_in_the_venv(tmp_path: Path) -> None:
    """The bundle's smoke run (AW_SMOKE_TEST=1), through the bundle's own launcher script."""
    env = cli_env({"AW_SMOKE_TEST": "1", "QT_QPA_PLATFORM": "offscreen"})
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "launchers" / "attribution_workbench_gui.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: window shown, sent, status 200" in result.stdout


# --- desktop integration -----------------------------------------------------------------------
def read_desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_and_metainfo_name_the_same_app() -> None:
    entry = read_desktop_entry()
    component = ElementTree.parse(METAINFO).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert entry["Icon"] == APP_ID
    assert entry["Name"] == component.findtext("name")
    assert entry["Exec"].split()[0] == "attribution-workbench"
    assert {b.text for b in component.iterfind("provides/binary")} == BINARIES


def test_metainfo_has_release_notes_screenshot_and_rating() -> None:
    component = ElementTree.parse(METAINFO).getroot()
    release = component.find("releases/release")
    assert release is not None and release.get("version") == __version__
    assert release.find("description/p") is not None
    image = component.findtext("screenshots/screenshot[@type='default']/image") or ""
    assert image.startswith("https://")
    assert image.endswith("docs/screenshots/main-ios-success.png")
    assert component.find("content_rating") is not None


def test_provided_binaries_are_the_installed_entry_points() -> None:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    for name in BINARIES:
        assert re.search(rf'^{re.escape(name)} = "attribution_workbench\.', text, re.M), name


# --- icons -------------------------------------------------------------------------------------
def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_exists_for_each_size(size: int) -> None:
    path = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png_size(path) == (size, size)


def test_scalable_icon_is_the_app_svg() -> None:
    scalable = RESOURCES / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == assets.icon_path(assets.Icon.APP).read_bytes(), (
        "resources/icons/app.svg changed: run python packaging/make_icons.py"
    )


def test_windows_and_macos_icons_are_well_formed() -> None:
    ico = (ROOT / "packaging" / "icons" / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    sides = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sides
    icns = (ROOT / "packaging" / "icons" / "app.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_every_ui_icon_has_current_png_renderings_and_qicon_uses_them(qapp: object) -> None:
    import importlib.util

    script = ROOT / "packaging" / "make_icons.py"
    spec = importlib.util.spec_from_file_location("make_icons", script)
    assert spec is not None and spec.loader is not None
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    manifest = (RESOURCES / "icons" / "png" / "sources.txt").read_text("utf-8")
    assert manifest == make_icons.sources_manifest(make_icons.ui_sources()), (
        "an icon SVG changed: run python packaging/make_icons.py"
    )
    for icon in assets.Icon:
        sizes = dict(assets.png_sizes(icon))
        assert sorted(sizes) == list(make_icons.UI_SIZES), icon
        for size, path in sizes.items():
            assert png_size(path) == (size, size)
        rendered = assets.qicon(icon)
        assert not rendered.isNull() and rendered.availableSizes(), icon


WITHOUT_CTYPES = r"""
import sys
sys.modules["ctypes"] = None  # as in the Linux bundle, which leaves ctypes out
import keyring.backend
keyring.backend.get_all_keyring()  # loads every backend module, as keyring does at start
import keyring.backends.kwallet, keyring.backends.macOS, keyring.backends.SecretService
import jeepney, platformdirs, requests, secretstorage, truststore  # noqa: F401
import attribution_workbench.app, attribution_workbench.cli  # noqa: F401
from attribution_workbench.core import client, credentials, history, network  # noqa: F401
print("imported without ctypes")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the spec drops ctypes on Linux")
def test_the_linux_bundle_can_leave_ctypes_out() -> None:
    # The spec excludes ctypes on Linux (PyInstaller would import it at every start): every
    # module the app and its keyring backends load there must import without it.
    assert '"ctypes"' in SPEC.read_text()
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_CTYPES],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported without ctypes"
    # Whether the Secret Service backend then works from the bundle: packaging/smoke_test.sh
    # (its real-keyring round trip, run by .ci/run inside a D-Bus session).
