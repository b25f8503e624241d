"""Matching keys: a normalized term with Russian case endings removed.

Tagging compares these keys, not raw terms, so Сирии, Сирию and Сирия (and Путина, Путину)
are one key. Only Cyrillic words are touched: Arabic clitics are handled by
``rasad.normalize.stem`` and Turkish suffixes follow an apostrophe (Suriye'de), which the
tokenizer already splits off. The endings list is deliberately short: a light stemmer that
conflates inflections of one word, applied alike to the lexicon and to article text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rasad.normalize import by_length

# Noun and adjective endings of the six cases; the longest is tried first ("ами" before "и").
_ENDINGS = frozenset(
    {
        "иями",
        "ями",
        "ами",
        "ого",
        "его",
        "ому",
        "ему",
        "ыми",
        "ими",
        "ией",
        "иям",
        "ием",
        "иях",
        "ах",
        "ях",
        "ов",
        "ев",
        "ей",
        "ой",
        "еи",  # folded ей, ой, ый (fold turns й into и)
        "ои",
        "ыи",
        "ом",
        "ем",
        "ам",
        "ям",
        "ию",
        "ия",
        "ии",
        "ие",
        "ий",
        "ый",
        "ая",
        "яя",
        "ое",
        "ее",
        "ые",
        "ую",
        "юю",
        "их",
        "ых",
        "ым",
        "им",
        "а",
        "я",
        "о",
        "е",
        "ы",
        "и",
        "у",
        "ю",
        "ь",
        "й",
    }
)
_MIN_STEM = 3


_ENDINGS_BY_LENGTH = by_length(_ENDINGS, longest_first=True)


# Nouns in -ия / -ие keep a mark of it (Нигерия → нигерия, not нигер: that is Нигер), in every
# case: России, Россией, перемирии, армий (fold turns й into и). Not after к г х ж ш щ
# ч, where -ие/-ий end adjectives.
_IYA = re.compile(r"^(.{2,}[^кгхжшщчаеёиоуыэюяь])(?:иями|иях|иям|иеи|ием|ия|ии|ию|ие)$")


def match_key(term: str) -> str:
    """The key a normalized term is matched by: Russian endings dropped, everything else as is."""
    if not term or not ("\u0400" <= term[0] <= "\u04ff"):
        return term
    noun = _IYA.match(term)
    if noun:
        return noun.group(1) + "ия"
    for _ in range(2):  # twice: Лавровым → лавров → лавр, like Лавров → лавр
        term = _strip_ending(term)
    return term


def _strip_ending(term: str) -> str:
    """The term without its longest ending that leaves ``_MIN_STEM`` letters, if any."""
    for n, endings in _ENDINGS_BY_LENGTH:
        if len(term) - n >= _MIN_STEM and term[-n:] in endings:
            return term[:-n]
    return term


# Turkish case, possessive and plural suffixes as they look after folding (ı→i, ş→s, ğ→g, ü→u, ö→o).
# Used only on Turkish articles, where names and nouns take suffixes without an apostrophe
# (saldırılarında, görüşmeleri, ateşkesi): the tagger tries the word without them.
_TR_SUFFIXES = frozenset(
    {
        "larindan",
        "lerinden",
        "larinda",
        "lerinde",
        "larini",
        "lerini",
        "larin",
        "lerin",
        "lari",
        "leri",
        "lar",
        "ler",
        "sinda",
        "sinde",
        "sindan",
        "sinden",
        "inda",
        "inde",
        "indan",
        "inden",
        "nda",
        "nde",
        "ndan",
        "nden",
        "dan",
        "den",
        "tan",
        "ten",
        "nin",
        "nun",
        "ni",  # accusative and dative after a possessive: saldırılarını, saldırısına
        "nu",
        "na",
        "ne",
        "sini",
        "sina",
        "sine",
        "si",
        "su",
        "in",
        "un",
        "yi",
        "yu",
        "ya",
        "ye",
        "da",
        "de",
        "ta",
        "te",
        "i",
        "u",
        "a",
        "e",
        "yla",
        "yle",
        "la",
        "le",
    }
)
_TR_SUFFIXES_BY_LENGTH = by_length(_TR_SUFFIXES, longest_first=True)
_TR_MIN_STEM = 3


@lru_cache(maxsize=100_000)
def turkish_candidates(key: str) -> tuple[str, ...]:
    """The key with one or two Turkish suffixes removed, longest stem first (Latin script only).

    A Turkish word is ambiguous (ateşke+si or ateşkes+i), so all readings are offered and the
    caller keeps the first one its lexicon knows.
    """
    if not key or not ("a" <= key[0] <= "z"):
        return ()
    once = _strip_each(key)
    twice = [c for stem in once for c in _strip_each(stem)]
    # The longest stem first: the least taken off (sarinde is sarin+de, not the city Sari+nde).
    return tuple(sorted(dict.fromkeys(once + twice), key=len, reverse=True))


def _strip_each(key: str) -> list[str]:
    """The key without each suffix it ends with that leaves ``_TR_MIN_STEM`` letters, the
    longest suffix first (a key ends with at most one suffix of each length)."""
    return [
        key[:-n]
        for n, suffixes in _TR_SUFFIXES_BY_LENGTH
        if len(key) - n >= _TR_MIN_STEM and key[-n:] in suffixes
    ]
