"""Render resources/icons/citytwin.svg to the PNG sizes the desktops use and to a Windows .ico.

Usage: python packaging/make_icons.py   (from the repository root, with the project's .venv)

Writes resources/icons/citytwin-<size>.png for 16, 32, 48, 128 and 256 pixels and citytwin.ico
(16, 32 and 48 as 32-bit BMP entries, which every Windows tool reads, 256 as a PNG entry). The files
are committed; run this again after changing the SVG.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 32, 48, 128, 256)
ICO_SIZES = (16, 32, 48, 256)


def render(svg: Path, size: int):  # noqa: ANN201 - QImage, imported late
    """The SVG drawn on a transparent ``size`` x ``size`` ARGB32 (not premultiplied) image."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def _bmp_entry(image) -> bytes:  # noqa: ANN001 - QImage
    """An ICO image entry as a DIB: BITMAPINFOHEADER, BGRA rows bottom-up, an all-zero AND mask."""
    width, height = image.width(), image.height()
    rows = [bytes(image.constScanLine(y))[: width * 4] for y in range(height)]  # BGRA in memory
    mask_row = ((width + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0,
                         width * height * 4 + mask_row * height, 0, 0, 0, 0)
    return header + b"".join(reversed(rows)) + bytes(mask_row * height)


def write_ico(entries: list[tuple[int, bytes]], path: Path) -> None:
    """Write the ICO container around ``(size, data)`` entries (a size of 256 is stored as 0)."""
    head = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    directory, blobs = b"", b""
    for size, data in entries:
        directory += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    path.write_bytes(head + directory + blobs)


def main() -> int:
    """Write the PNG and ICO files beside the SVG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed by QPainter
    svg = ICONS / "citytwin.svg"
    images = {size: render(svg, size) for size in SIZES}
    for size, image in images.items():
        out = ICONS / f"citytwin-{size}.png"
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"could not write {out}")
        print(f"wrote {out.relative_to(ICONS.parents[1])}")
    entries = []
    for size in ICO_SIZES:
        if size < 256:
            entries.append((size, _bmp_entry(images[size])))
            continue
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        images[size].save(buffer, "PNG")
        buffer.close()
        entries.append((size, bytes(data.data())))
    write_ico(entries, ICONS / "citytwin.ico")
    print(f"wrote resources/icons/citytwin.ico ({', '.join(str(s) for s in ICO_SIZES)} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
