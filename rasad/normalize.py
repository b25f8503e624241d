"""Text normalization shared by tagging, search and alerts, so all three match words alike.

Two layers:

* ``fold`` maps characters one-to-one or deletes them (never expands), so any position in
  folded text maps back to the original with ``FoldedText.to_original``. It removes Arabic
  diacritics, tatweel and invisible marks; unifies alef/hamza forms, ى/ي, ة/ه, ؤ/و, ئ/ي;
  turns Arabic-Indic digits into ASCII; lowercases; strips Latin/Cyrillic accents
  (é→e, ş→s, ı→i, ё→е).
* ``Stemmer.stem`` reduces an Arabic word to a canonical form by peeling proclitics: a
  conjunction (و ف), a preposition (ب ك ل) and the article (ال, لل), in that order. The
  article and what precedes it always go (والسورية → سوريه). A bare و/ف/ب/ك/ل is a clitic
  only when what remains is a known word (the vocabulary the stemmer is given: the taxonomy's
  Arabic words), since many words start with those letters (بيان، وزير، لجنة): لداعش → داعش,
  but بين stays بين.
  Documents and queries are stemmed alike, so variants match each other.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_DELETE = (
    [chr(c) for c in range(0x064B, 0x0660)]  # harakat, shadda, sukun, extended marks
    + ["\u0670", "\u0640"]  # superscript alef, tatweel
    + [chr(c) for c in range(0x06D6, 0x06EE)]  # Quranic annotation marks
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad", "\u061c"]
    + [chr(c) for c in range(0x0300, 0x0370)]  # combining diacritics (text in NFD form)
)
_ARABIC = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ک": "ك",
    "ی": "ي",
    "ھ": "ه",
    "ۀ": "ه",
}
_SPECIAL = {"İ": "i", "ı": "i", "ß": "ß", "ё": "е", "Ё": "е"}


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _DELETE}
    for src, dst in _ARABIC.items():
        table[ord(src)] = dst
    for i in range(10):
        table[0x0660 + i] = str(i)  # Arabic-Indic digits
        table[0x06F0 + i] = str(i)  # Extended (Persian) digits
    for code in (
        list(range(0x00C0, 0x0250)) + list(range(0x0400, 0x0530)) + list(range(0x0041, 0x005B))
    ):
        if code in table:
            continue
        char = chr(code)
        lower = char.lower()
        base = unicodedata.normalize("NFD", lower)[0] if len(lower) == 1 else lower
        if len(base) == 1 and base != char:
            table[code] = base
    for src, dst in _SPECIAL.items():
        table[ord(src)] = dst
    return table


_TABLE = _build_table()
_DELETED_RE = re.compile("[" + "".join(_DELETE) + "]")
IGNORABLE = frozenset(_DELETE)  # the characters fold deletes: inside a word they do not split it
_WORD_RE = re.compile(r"[^\W_]+")
_ARABIC_LETTER_RE = re.compile(r"[\u0621-\u064A]")
# Ordered by length where they are used (``by_length``): the longest article, the shortest clitic.
_ARTICLE_PREFIXES = frozenset(
    {c + p + "ال" for c in ("", "و", "ف") for p in ("", "ب", "ك")}
    | {c + "لل" for c in ("", "و", "ف")}
)
_CLITIC_PREFIXES = (
    frozenset(c + p for c in ("", "و", "ف") for p in ("", "ب", "ك", "ل")) - {""}
) | _ARTICLE_PREFIXES
_MIN_STEM = 3


def by_length(
    affixes: Iterable[str], longest_first: bool
) -> tuple[tuple[int, frozenset[str]], ...]:
    """Affixes grouped by length: a word's head (or tail) of each length is looked up once in
    a set, instead of asking ``startswith``/``endswith`` of every affix (most words have none).
    A word begins (or ends) with at most one affix of a given length, so trying the lengths in
    order finds what trying the affixes sorted by length would."""
    affixes = frozenset(affixes)
    lengths = sorted({len(a) for a in affixes}, reverse=longest_first)
    return tuple((n, frozenset(a for a in affixes if len(a) == n)) for n in lengths)


_CLITICS_BY_LENGTH = by_length(_CLITIC_PREFIXES, longest_first=False)
_ARTICLES_BY_LENGTH = by_length(_ARTICLE_PREFIXES, longest_first=True)


@dataclass(frozen=True, slots=True)
class FoldedText:
    """Folded text plus what is needed to map its offsets back to the original."""

    text: str
    _deleted: tuple[int, ...]  # original positions of deleted characters, ascending

    def to_original(self, index: int) -> int:
        """Map a position in the folded text to the matching position in the original."""
        # Each deleted char before the answer shifts it right by one: find the smallest
        # original position p with p - deletions_before(p) == index.
        shift = 0
        while True:
            n = bisect.bisect_right(self._deleted, index + shift)
            if n == shift:
                return index + shift
            shift = n

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of folded text to the original text."""
        if end <= start:
            return self.to_original(start), self.to_original(start)
        last = self.to_original(end - 1) + 1
        # Marks deleted right after the last character (a word's final harakat) belong to it.
        i = bisect.bisect_left(self._deleted, last)
        while i < len(self._deleted) and self._deleted[i] == last:
            last, i = last + 1, i + 1
        return self.to_original(start), last


_REPLACE = {chr(code): ("" if to is None else to) for code, to in _TABLE.items() if to != chr(code)}
# The mapped characters as one class: a regex scan tests each character of a text at C speed
# (a set intersection hashes each one).
_MAPPED_RE = re.compile("[" + "".join(map(re.escape, sorted(_REPLACE))) + "]")


def _translate(text: str) -> str:
    """``text.translate(_TABLE)``, faster: str.translate looks up every character in Python
    (~90 ns each), while a text uses few distinct characters that change; one C-speed
    ``str.replace`` per such character is several times quicker. No output is itself mapped,
    so the order of the replacements does not matter."""
    for char in set(_MAPPED_RE.findall(text)):
        text = text.replace(char, _REPLACE[char])
    return text


def fold_with_offsets(text: str) -> FoldedText:
    """``fold`` that remembers where deleted characters were."""
    deleted = tuple(m.start() for m in _DELETED_RE.finditer(text))
    return FoldedText(fold(text), deleted)


def fold(text: str) -> str:
    """Fold characters (see the module doc); the result is never longer than the text."""
    # str.lower() can expand a few characters (İ → i̇); ours maps those first, and for the
    # rest we lower char by char only when the fast path would change the length.
    folded = _translate(text)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


def is_arabic(word: str) -> bool:
    """True when the word is written in Arabic script."""
    return bool(word) and "\u0600" <= word[0] <= "\u06ff"


class Stemmer:
    """Arabic proclitics peeled against a vocabulary of known words (see the module doc).

    The vocabulary is given by whoever builds the stemmer (the taxonomy loader gives its
    Arabic words), so documents and queries stemmed by the same stemmer match each other.
    """

    def __init__(self, vocabulary: Iterable[str]):
        self.vocabulary = frozenset(vocabulary)
        # A pure function of the word; news vocabulary repeats (Zipf), so most calls hit.
        self.stem = lru_cache(maxsize=1 << 16)(self._stem)

    def _stem(self, word: str) -> str:
        """Canonical form of one folded word: Arabic proclitics peeled; other scripts unchanged."""
        if not is_arabic(word):
            return word
        known = self.vocabulary
        if word in known:
            return word
        for n, prefixes in _CLITICS_BY_LENGTH:  # shortest first: the longest known stem wins
            if len(word) - n >= _MIN_STEM and word[:n] in prefixes and word[n:] in known:
                return word[n:]
        bare = strip_article(word)
        # What is left is stemmed like any word written bare, so a stem is its own stem
        # (the normalized text stored beside an article is re-read by queries and alerts).
        return bare if bare == word else self._stem(bare)

    def terms(self, text: str) -> list[str]:
        """The canonical terms of a text: folded words, Arabic ones stemmed.

        Used for indexing and queries.
        """
        stem = self.stem
        # Only Arabic words change (``is_arabic`` inlined): the others skip the memo, whose
        # misses on a stream's long tail of words cost more than the test.
        return [stem(w) if "\u0600" <= w[0] <= "\u06ff" else w for w in words(text)]

    def normalized(self, text: str) -> str:
        """``terms`` joined by spaces: the project's normalized text stored beside the original."""
        return " ".join(self.terms(text))

    def __getstate__(self) -> dict[str, object]:  # pickled in the lexicon cache: the memo is not
        return {"vocabulary": self.vocabulary}

    def __setstate__(self, state: dict[str, object]) -> None:
        vocabulary = state["vocabulary"]
        assert isinstance(vocabulary, frozenset)
        self.__init__(vocabulary)  # type: ignore[misc]


def strip_article(word: str) -> str:
    """Drop a leading article and the clitics before it (وبال، لل ...), nothing else."""
    for n, prefixes in _ARTICLES_BY_LENGTH:  # the longest article first
        if len(word) - n >= _MIN_STEM and word[:n] in prefixes:
            return word[n:]
    return word


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD_RE.findall(fold(text))


__all__ = [
    "IGNORABLE",
    "FoldedText",
    "Stemmer",
    "fold",
    "fold_with_offsets",
    "is_arabic",
    "strip_article",
    "words",
]
