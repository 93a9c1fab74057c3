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


def query_matcher(query: str):  # noqa: ANN201 - a predicate
    """A predicate telling whether a text contains ``query`` (see the module's rules)."""
    exact = search_key(query)
    plain = exact == search_key(query, strip_marks=True)
    needle = search_key(query, strip_marks=plain)
    return lambda text: needle in search_key(text, strip_marks=plain)


def matches(query: str, text: str) -> bool:
    """Whether ``text`` contains ``query`` (see the module's rules)."""
    return query_matcher(query)(text)
