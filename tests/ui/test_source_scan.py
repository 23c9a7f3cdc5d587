"""PySide's per-import source check, made cheap (ui/source_scan.py): same answers, no linecache."""

from __future__ import annotations

import importlib
import linecache
import sys
import types
from pathlib import Path

import pytest

import PySide6.QtCore  # noqa: F401  (installs PySide's import hook and its support module)

from attribution_workbench.ui import source_scan


@pytest.fixture
def module_dir(tmp_path: Path):
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("aw_scan_probe_")]:
        del sys.modules[name]


def test_installs_on_the_pinned_pyside() -> None:
    # If this fails after a PySide upgrade, the app still works but is ~4 MB heavier at idle:
    # look for the new name of PySide's check in shibokensupport/feature.py.
    assert source_scan.install()
    feature = sys.modules[source_scan.FEATURE_MODULE]
    assert getattr(feature, source_scan.CHECK_NAME) is source_scan.uses_pyside


def test_answers_like_pysides_own_check(module_dir: Path) -> None:
    (module_dir / "aw_scan_probe_qt.py").write_text("from PySide6 import QtCore\nX = 1\n")
    (module_dir / "aw_scan_probe_plain.py").write_text("import json\nX = 'pyside6 in lower case'\n")
    qt = importlib.import_module("aw_scan_probe_qt")
    plain = importlib.import_module("aw_scan_probe_plain")
    assert source_scan.uses_pyside(qt) is True
    assert source_scan.uses_pyside(plain) is False  # the test is case-sensitive, like PySide's
    assert source_scan.uses_pyside(sys) is False  # built in: no source
    assert source_scan.uses_pyside(types.ModuleType("no_loader")) is False


def test_a_loader_that_fails_never_breaks_the_import() -> None:
    class Broken:
        def get_source(self, name: str) -> str:
            raise OSError("disk on fire")

    module = types.ModuleType("aw_scan_probe_broken")
    module.__loader__ = Broken()  # type: ignore[assignment]
    assert source_scan.uses_pyside(module) is False


def test_imports_after_install_leave_nothing_in_linecache(module_dir: Path) -> None:
    assert source_scan.install()
    path = module_dir / "aw_scan_probe_cached.py"
    path.write_text("from PySide6.QtCore import QObject\n\nclass Thing(QObject):\n    pass\n")
    linecache.clearcache()
    __import__("aw_scan_probe_cached")  # PySide hooks the import statement (importlib skips it)
    assert str(path) not in linecache.cache
    # PySide asked our check and recorded its answer: 0 = "uses PySide" (-1 would be "does not").
    feature = sys.modules[source_scan.FEATURE_MODULE]
    assert feature.pyside_feature_dict["aw_scan_probe_cached"] == 0


def test_without_pysides_support_module_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, source_scan.FEATURE_MODULE)
    assert source_scan.install() is False


def test_install_drops_file_lines_pysides_check_left_but_keeps_the_rest(module_dir: Path) -> None:
    path = module_dir / "aw_scan_probe_lines.py"
    path.write_text("X = 1\n")
    linecache.getline(str(path), 1)  # as PySide's own check does through inspect
    linecache.cache["<console#1>"] = (5, None, ["x = 1\n"], "<console#1>")  # typed code
    assert str(path) in linecache.cache
    assert source_scan.install()
    assert str(path) not in linecache.cache
    assert linecache.cache["<console#1>"][2] == ["x = 1\n"]  # could not be read back
    assert linecache.getline(str(path), 1) == "X = 1\n"  # a traceback still finds the line
    del linecache.cache["<console#1>"]
