"""Text comparison for searches: NFC-normalised and case-folded, with or without diacritics.

Vietnamese text arrives both precomposed (NFC, most files) and decomposed (NFD, macOS file names,
some keyboards), so a search compares NFC forms. A query typed without diacritics (``ninh kieu``)
matches names with them (``Ninh Kiều``); a query with diacritics matches only those.
"""

from __future__ import annotations

import unicodedata


def search_key(text: str, strip_marks: bool = False) -> str:
    """``text`` for comparison: NFC-normalised and case-folded; with ``strip_marks`` also without
    diacritics (and ``đ`` as ``d``)."""
    text = unicodedata.normalize("NFC", text).casefold()
    if strip_marks:
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFC", text.replace("đ", "d"))
    return text


def query_key(query: str) -> tuple[str, bool]:
    """What texts are searched for: (``query``'s key, whether to compare without diacritics, which
    is when the query has none)."""
    plain = search_key(query) == search_key(query, strip_marks=True)
    return search_key(query, strip_marks=plain), plain


def matches(query: str, text: str) -> bool:
    """Whether ``text`` contains ``query`` (see the module's rules)."""
    needle, plain = query_key(query)
    return needle in search_key(text, strip_marks=plain)
