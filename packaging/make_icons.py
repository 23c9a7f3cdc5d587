"""Render the app icon (resources/icons/app.svg) into every size and format the platforms need.

    python packaging/make_icons.py          (from the repository root, in the project's venv)

Writes, from the one SVG, with Qt's own SVG renderer (no Pillow, no Inkscape):

- ``resources/icons/hicolor/<n>x<n>/apps/<APP_ID>.png`` for n in SIZES, and
  ``resources/icons/hicolor/scalable/apps/<APP_ID>.svg``: the freedesktop icon theme
  layout the .desktop file's ``Icon=<APP_ID>`` is looked up in (Linux);
- ``packaging/icons/app.ico``: Windows, PNG-compressed entries 16-256 px (Vista and later);
- ``packaging/icons/app.icns``: macOS, PNG entries 16-1024 px (OS X 10.7 and later);
- ``resources/icons/png/<name>-<n>.png`` for every icon in resources/icons/*.svg and n in
  UI_SIZES (1x and 2x of the sizes the window asks for), plus ``sources.txt`` (the SHA-256
  of each SVG rendered, so a test notices a stale set). The app loads these rather than the
  SVGs: Qt's SVG icon engine costs about 2 MB of memory the moment the first SVG is drawn.

The outputs are committed; run this again after changing app.svg. Rendering is done
offscreen, so it works without a display (CI, SSH).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

APP_ID = "io.github.attribution_workbench.AttributionWorkbench"
ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "app.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
PLATFORM_ICONS = ROOT / "packaging" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = ROOT / "resources" / "icons"
UI_PNGS = ICONS / "png"
UI_SIZES = (16, 20, 24, 32, 40, 48, 64)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an .ico entry can be
# (OSType, pixel size) of the PNG-capable .icns entries; ic11-ic14 and ic10 are @2x.
ICNS_ENTRIES = (
    ("icp4", 16),
    ("icp5", 32),
    ("icp6", 64),
    ("ic07", 128),
    ("ic08", 256),
    ("ic09", 512),
    ("ic10", 1024),
    ("ic11", 32),
    ("ic12", 64),
    ("ic13", 256),
    ("ic14", 512),
)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px icon as PNG")
    buffer.close()
    return bytes(data.data())


def ico_file(pngs: dict[int, bytes]) -> bytes:
    """An .ico with one PNG-compressed entry per size (ICONDIR, ICONDIRENTRYs, images)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns_file(pngs: dict[int, bytes]) -> bytes:
    """An .icns of PNG entries: 'icns', total length, then (OSType, length, PNG) each."""
    body = b""
    for ostype, size in ICNS_ENTRIES:
        data = pngs[size]
        body += ostype.encode("ascii") + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def ui_sources() -> list[Path]:
    return sorted(ICONS.glob("*.svg"))


def sources_manifest(svgs: list[Path]) -> str:
    """One line per SVG: its SHA-256 and name (resources/icons/png/sources.txt)."""
    return "".join(f"{hashlib.sha256(svg.read_bytes()).hexdigest()}  {svg.name}\n" for svg in svgs)


def write_ui_pngs() -> None:
    if UI_PNGS.exists():
        shutil.rmtree(UI_PNGS)  # no stale sizes or removed icons left behind
    svgs = ui_sources()
    for svg in svgs:
        renderer = QSvgRenderer(str(svg))
        if not renderer.isValid():
            raise RuntimeError(f"{svg} is not a valid SVG")
        for size in UI_SIZES:
            write(UI_PNGS / f"{svg.stem}-{size}.png", render_png(renderer, size))
    write(UI_PNGS / "sources.txt", sources_manifest(svgs).encode("utf-8"))


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"make_icons: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    needed = set(SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_ENTRIES}
    pngs = {size: render_png(renderer, size) for size in sorted(needed)}
    for size in SIZES:
        write(HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png", pngs[size])
    scalable = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    print(f"wrote {scalable.relative_to(ROOT)} (a copy of {SOURCE.relative_to(ROOT)})")
    write(PLATFORM_ICONS / "app.ico", ico_file({size: pngs[size] for size in ICO_SIZES}))
    write(PLATFORM_ICONS / "app.icns", icns_file(pngs))
    write_ui_pngs()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
