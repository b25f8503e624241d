"""One pass over an article's words finding every surface form of the lexicon, longest first.

Every word of the text is folded, stemmed and keyed exactly like the lexicon's surface forms
(``rasad.normalize`` + ``rasad.concepts.inflection``), so clitics, diacritics, hamza spellings
and Russian case endings cannot hide a mention. At each word, ``Lexicon.starts`` says whether
any form begins with it and how long the longest is; only then are the few n-grams looked up
in a hash table. The cost grows with the text, not with the size of the lexicon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from bisect import bisect_right
from itertools import accumulate, chain, compress, count
from typing import NamedTuple

from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.inflection import match_key, turkish_candidates
from rasad.normalize import IGNORABLE, fold, stem

# A word as written: what ``[^\W_]+`` finds in folded text, plus the characters fold deletes
# (harakat, tatweel, zero-width marks), which sit inside words without splitting them.
_RAW_WORD_RE = re.compile("(?:[^\\W_]|[" + "".join(sorted(IGNORABLE)) + "])+")
_CACHE_MAX = 500_000  # pieces remembered before the caches start over
_PIECE_MAX = 64  # longer pieces (text without spaces) are keyed every time, not remembered


class _PieceCache(dict):
    """Text between two spaces -> what ``_piece`` says about it (``item`` 0: keys, 1: offsets).

    Texts are split at spaces (C speed) and each piece is read once: pieces repeat ("the",
    "Syria,", "والسورية"), so the regex, folding and stemming run on few of them.
    """

    def __init__(self, item: int):
        super().__init__()
        self.item = item

    def __missing__(self, piece: str) -> tuple:
        found = _piece(piece)
        if len(piece) <= _PIECE_MAX:
            for cache in _CACHES:
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[piece] = found[cache.item]
        return found[self.item]


_KEYS, _OFFSETS = _CACHES = (_PieceCache(0), _PieceCache(1))


def _piece(piece: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The match keys of the words of a piece of text, and their offsets in it (marks fold deletes first left out)."""
    keys, offsets = [], []
    for m in _RAW_WORD_RE.finditer(piece):
        folded = fold(m.group())
        if not folded:  # a lone mark (a stray tatweel or zero-width space) is not a word
            continue
        start = m.start()
        while piece[start] in IGNORABLE:
            start += 1
        keys.append(match_key(stem(folded)))
        offsets.append((start, m.end()))
    return tuple(keys), tuple(offsets)


@dataclass(frozen=True, slots=True)
class Tokens:
    """The words of a text: their match keys, and the pieces (split at spaces) to locate them."""

    keys: list[str]
    pieces: list[str]
    _ends: list[list[int]] = field(default_factory=list)  # [words up to each piece, text up to each piece]

    def original(self, first: int, last: int) -> tuple[int, int]:
        """Offsets in the text of words ``first`` .. ``last``."""
        if not self._ends:  # only texts with a match pay for word positions (at C speed)
            self._ends.append(list(accumulate(map(len, map(_KEYS.__getitem__, self.pieces)))))
            self._ends.append(list(accumulate(map(len, self.pieces), initial=0)))
        return self._offset(first, 0), self._offset(last, 1)

    def _offset(self, word: int, side: int) -> int:
        words_to, text_to = self._ends
        piece = bisect_right(words_to, word)
        within = word - (words_to[piece - 1] if piece else 0)
        return text_to[piece] + piece + _OFFSETS[self.pieces[piece]][within][side]  # + piece: the spaces


class Match(NamedTuple):
    """A run of words ``[first, last]`` that is a surface form of some concepts."""

    first: int
    last: int
    start: int
    end: int
    candidates: tuple[tuple[str, tuple[Rule | None, ...]], ...]  # (concept id, rules of its forms with these words)


def tokenize(text: str) -> Tokens:
    """Match-keyed words of ``text``: the same words and keys as folding the whole text first."""
    pieces = text.split(" ")  # no word spans a space, and pieces repeat: each is read once (_PieceCache)
    return Tokens(list(chain.from_iterable(map(_KEYS.__getitem__, pieces))), pieces)


def undo_turkish_suffixes(tokens: Tokens, lexicon: Lexicon) -> Tokens:
    """Tokens of a Turkish text with inflected words read without their suffixes where the lexicon knows them.

    A word that is a form by itself stays; else a reading that ends a two-word form with the
    word before wins (İsrail ordusunun → ordusu), else one that is a form by itself (ateşkesi →
    ateşkes), else the word if some form contains it, else the first reading some form contains
    (saldırılarında → saldırıları, as in "hava saldırıları").
    """
    keys: list[str] = []
    for key in tokens.keys:
        keys.append(_turkish_reading(key, keys[-1] if keys else "", lexicon))
    return replace(tokens, keys=keys)


def _turkish_reading(key: str, previous: str, lexicon: Lexicon) -> str:
    index, known = lexicon.index, lexicon.words
    if (key,) in index or (previous, key) in index:
        return key
    candidates = turkish_candidates(key)
    alone = next((c for c in candidates if (previous, c) in index), None)
    alone = alone or next((c for c in candidates if (c,) in index), None)
    if alone is not None:
        return alone
    if key in known:
        return key
    return next((c for c in candidates if c in known), key)


def find(tokens: Tokens, lexicon: Lexicon) -> list[Match]:
    """Non-overlapping matches, the longest form at each position winning."""
    keys, starts, index = tokens.keys, lexicon.starts, lexicon.index
    n, covered = len(keys), 0
    matches: list[Match] = []
    for i in compress(count(), map(starts.__contains__, keys)):  # words some form begins with
        if i < covered:
            continue
        for length in range(min(starts[keys[i]], n - i), 0, -1):
            entry = index.get(tuple(keys[i:i + length]))
            if entry:
                last = i + length - 1
                matches.append(Match(i, last, *tokens.original(i, last), entry))
                covered = last + 1
                break
    return matches
