"""Matching keys: a normalized term with Russian case endings removed.

Tagging compares these keys, not raw terms, so Сирии, Сирию and Сирия (and Путина, Путину)
are one key. Only Cyrillic words are touched: Arabic clitics are handled by
``rasad.normalize.stem`` and Turkish suffixes follow an apostrophe (Suriye'de), which the
tokenizer already splits off. The endings list is deliberately short: a light stemmer that
conflates inflections of one word, applied alike to the lexicon and to article text.
"""
from __future__ import annotations

# Longest first, so "ами" is tried before "и". Noun and adjective endings of the six cases.
_ENDINGS = tuple(sorted({
    "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "иям", "ием", "иях",
    "ах", "ях", "ов", "ев", "ей", "ой", "ом", "ем", "ам", "ям", "ию", "ия", "ии", "ие", "ий", "ый",
    "ая", "яя", "ое", "ее", "ые", "ую", "юю", "их", "ых", "ым", "им",
    "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
}, key=len, reverse=True))
_MIN_STEM = 3


def match_key(term: str) -> str:
    """The key a normalized term is matched by: Russian endings dropped, everything else as is."""
    if not term or not ("\u0400" <= term[0] <= "\u04ff"):
        return term
    for _ in range(2):  # twice: Лавровым → лавров → лавр, like Лавров → лавр
        term = _strip_ending(term)
    return term


def _strip_ending(term: str) -> str:
    for ending in _ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= _MIN_STEM:
            return term[: -len(ending)]
    return term
