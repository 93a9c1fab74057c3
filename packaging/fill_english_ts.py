"""Make citytwin_en.ts complete: each English translation is its source text.

The English file exists so that an English user on a Vietnamese system gets English (and so a
translator sees the full list); run by packaging/update_translations.sh after lupdate.
Usage: python packaging/fill_english_ts.py resources/translations/citytwin_en.ts
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def fill(path: Path) -> int:
    """Set every unfinished translation in ``path`` to its source; returns how many were set."""
    tree = ET.parse(path)
    count = 0
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        if translation is not None and (translation.get("type") == "unfinished" or not translation.text):
            translation.text = message.findtext("source")
            translation.attrib.pop("type", None)
            count += 1
    ET.indent(tree, space="    ")
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(handle, encoding="utf-8", xml_declaration=False)
        handle.write(b"\n")
    return count


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {fill(Path(name))} English translations filled")
