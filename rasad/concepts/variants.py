"""Inflected surface forms generated from the ones the taxonomy writes: plurals, duals, cases.

The taxonomy lists a word once ("airstrike", "frappe", "غارة"); journalists write "airstrikes",
"frappes", "غارات", "غارتين". Match keys already absorb Russian case endings
(``inflection.match_key``) and the tagger reads Turkish words without their suffixes, so what
is generated here is what a key cannot absorb: English and French plurals, Arabic sound plurals,
duals and the accusative ending. Broken (irregular) Arabic plurals are not derivable and are
listed in the taxonomy itself (صاروخ / صواريخ). Generated forms never override a written one:
the lexicon adds a variant only where no concept writes that form (``rasad.concepts.build``).

Only common nouns and adjectives are inflected this way (event types, keywords, and French
country adjectives: ukrainien → ukrainiens); names are not: "Hama" + s is Hamas.
"""

from __future__ import annotations

import re

_SKIP_EN = re.compile(r"(?:s|ed|ing|ly)$")  # already plural, verbs and adverbs
_SIBILANT_EN = re.compile(r"(?:x|z|ch|sh)$")
_CONSONANT_Y = re.compile(r"[^aeiou]y$")
_FUNCTION_FR = frozenset({"de", "d", "du", "des", "la", "le", "les", "l", "à", "au", "aux", "en"})
_ARABIC_WORD = re.compile(r"^[\u0621-\u064A]+$")
_ARABIC_ARTICLE = "ال"


def inflected(text: str, language: str) -> list[str]:
    """Other spellings of a form in ``language`` (ISO 639-1): plural, dual; [] when none applies."""
    words = text.split(" ")
    if language == "en":
        plural = _english_plural(words[-1])
        return [" ".join([*words[:-1], plural])] if plural else []
    if language == "fr":
        plurals = [w if w.lower() in _FUNCTION_FR else _french_plural(w) or w for w in words]
        return [" ".join(plurals)] if plurals != words else []
    if language == "ar":
        return _arabic_variants(words)
    return []


def _english_plural(word: str) -> str | None:
    if len(word) < 3 or not word.isalpha() or word.isupper() or _SKIP_EN.search(word):
        return None
    if _CONSONANT_Y.search(word):
        return word[:-1] + "ies"
    if _SIBILANT_EN.search(word):
        return word + "es"
    return word + "s"


def _french_plural(word: str) -> str | None:
    if len(word) < 3 or word[0].isupper() or word[-1] in "sxz" or "-" in word or "'" in word:
        return None
    if word.endswith(("eau", "eu")):
        return word + "x"
    if word.endswith("al") and len(word) > 4:
        return word[:-2] + "aux"
    return word + "s"


def _arabic_variants(words: list[str]) -> list[str]:
    """Sound feminine plural and dual of the first noun (adjectives agree in the dual)."""
    if not all(_ARABIC_WORD.match(w) for w in words):
        return []
    first, rest = words[0], words[1:]
    out = []
    if _feminine(first):
        out.append(" ".join([first[:-1] + "ات", *rest]))  # غارة → غارات (with a singular adjective)
    duals = [_dual(w) for w in words]
    stems = [d for d in duals if d is not None]
    for ending in ("ين", "ان"):
        if len(stems) == len(words):
            out.append(" ".join(d + ending for d in stems))  # غارتين جويتين
        if rest and duals[0] is not None:
            out.append(" ".join([duals[0] + ending, *rest]))
    if not _feminine(first) and not first.endswith(("ا", "ي", "ى", "ات", "ين", "ون")):
        out.append(" ".join([first + "ا", *rest]))  # accusative: هجوما، قصفا
    return [v for v in dict.fromkeys(out) if v != " ".join(words)]


def _feminine(word: str) -> bool:
    return word.endswith(("ة", "ه")) and len(word) > 3


def _dual(word: str) -> str | None:
    """The stem a dual ending attaches to (غارة → غارت, هجوم → هجوم); None for plurals."""
    if word.startswith(_ARABIC_ARTICLE) or len(word) < 3:
        return None
    if _feminine(word):
        return word[:-1] + "ت"
    if word.endswith(("ات", "ين", "ون", "ا", "ي", "ى")):
        return None
    return word
