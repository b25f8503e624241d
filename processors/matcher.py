"""One pass over an article's words finding every surface form of the lexicon, longest first.

Every word of the text is folded, stemmed and keyed exactly like the lexicon's surface forms
(``rasad.normalize`` + ``rasad.concepts.inflection``), so clitics, diacritics, hamza spellings
and Russian case endings cannot hide a mention. At each word, ``Lexicon.starts`` says whether
any form begins with it and how long the longest is; only then are the few n-grams looked up
in a hash table. The cost grows with the text, not with the size of the lexicon.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, replace
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
    piece_keys: list[tuple[str, ...]]  # the keys of each piece (flattened: ``keys``, before Turkish readings)
    as_written: bool = True  # ``keys`` are the pieces' keys (no Turkish reading changed one)

    def matches(self, found: list[tuple[int, int, tuple]]) -> list[Match]:
        """``Match``es of word runs ``(first, last, candidates)``, with their offsets in the text."""
        if not found:
            return []
        pieces = self.pieces
        # Words up to each piece, text up to each piece (+ one space per piece before it).
        words_to = list(accumulate(map(len, self.piece_keys)))
        text_to = list(accumulate(map(len, pieces), initial=0))
        matches = []
        for first, last, candidates in found:
            p = bisect_right(words_to, first)
            start = text_to[p] + p + _OFFSETS[pieces[p]][first - (words_to[p - 1] if p else 0)][0]
            if last != first:
                p = bisect_right(words_to, last)
            end = text_to[p] + p + _OFFSETS[pieces[p]][last - (words_to[p - 1] if p else 0)][1]
            matches.append(_new_tuple(Match, (first, last, start, end, candidates)))
        return matches


class Match(NamedTuple):
    """A run of words ``[first, last]`` that is a surface form of some concepts."""

    first: int
    last: int
    start: int
    end: int
    candidates: tuple[tuple[str, tuple[Rule | None, ...]], ...]  # (concept id, rules of its forms with these words)


_new_tuple = tuple.__new__  # a NamedTuple made from a tuple: a third of the cost of calling the class


def tokenize(text: str) -> Tokens:
    """Match-keyed words of ``text``: the same words and keys as folding the whole text first."""
    pieces = text.split(" ")  # no word spans a space, and pieces repeat: each is read once (_PieceCache)
    piece_keys = list(map(_KEYS.__getitem__, pieces))
    return Tokens(list(chain.from_iterable(piece_keys)), pieces, piece_keys)


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
    return replace(tokens, keys=keys, as_written=keys == tokens.keys)


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
    if tokens.as_written:
        return _find_by_pieces(tokens, lexicon)
    return tokens.matches(_find_in_keys(tokens.keys, lexicon))


def _find_in_keys(keys: list[str], lexicon: Lexicon) -> list[tuple[int, int, tuple]]:
    """Word runs ``(first, last, candidates)`` of any keys (Turkish readings): ``starts`` asked at each word."""
    starts, index = lexicon.starts, lexicon.index
    n, covered = len(keys), 0
    found: list[tuple[int, int, tuple]] = []
    for i in compress(count(), map(starts.__contains__, keys)):  # words some form begins with
        if i < covered:
            continue
        for length in range(min(starts[keys[i]], n - i), 0, -1):
            entry = index.get(tuple(keys[i:i + length]))
            if entry:
                covered = i + length
                found.append((i, covered - 1, entry))
                break
    return found


def _find_by_pieces(tokens: Tokens, lexicon: Lexicon) -> list[Match]:
    """``find`` for keys as the pieces give them: only the pieces whose words begin a form are visited."""
    pieces, keys, index = tokens.pieces, tokens.keys, lexicon.index
    hits = list(map(_hits_of(lexicon).__getitem__, pieces))
    words_to = list(accumulate(map(len, tokens.piece_keys), initial=0))  # words before each piece
    text_to = list(accumulate(map(len, pieces), initial=0))  # characters before each piece (but its spaces)
    n, covered = len(keys), 0
    matches = []
    for p in compress(count(), hits):
        at = text_to[p] + p
        for j, longest, alone, start, end in hits[p]:
            i = words_to[p] + j
            if i < covered:
                continue
            for length in range(min(longest, n - i), 1, -1):  # forms of several words, longest first
                entry = index.get(tuple(keys[i:i + length]))
                if entry:
                    covered = i + length
                    q = bisect_right(words_to, covered - 1) - 1  # the piece of the last word
                    last_end = text_to[q] + q + _OFFSETS[pieces[q]][covered - 1 - words_to[q]][1]
                    matches.append(_new_tuple(Match, (i, covered - 1, at + start, last_end, entry)))
                    break
            else:
                if alone:
                    matches.append(_new_tuple(Match, (i, i, at + start, at + end, alone)))
    return matches


class _Hits(dict):
    """Piece -> its words that begin a form of one lexicon, ``(word, longest, its own entry, start, end)`` each.

    Most pieces begin no form (``()``). A big lexicon's tables are consulted once per distinct
    piece, not once per word: at 100k forms they no longer fit the CPU caches, and the cost
    would grow with the lexicon.
    """

    def __init__(self, lexicon: Lexicon):
        super().__init__()
        self.starts, self.index = lexicon.starts, lexicon.index  # not the lexicon: it may be dropped

    def __missing__(self, piece: str) -> tuple:
        starts, index = self.starts, self.index
        hits = tuple((j, starts[key], index.get((key,)), *_OFFSETS[piece][j])
                     for j, key in enumerate(_KEYS[piece]) if key in starts)
        if len(piece) <= _PIECE_MAX:
            if len(self) >= _CACHE_MAX:
                self.clear()
            self[piece] = hits
        return hits


_HITS: dict[int, _Hits] = {}  # id of a lexicon in use -> its hits; dropped with the lexicon


def _hits_of(lexicon: Lexicon) -> _Hits:
    hits = _HITS.get(id(lexicon))
    if hits is None:
        hits = _HITS[id(lexicon)] = _Hits(lexicon)
        weakref.finalize(lexicon, _HITS.pop, id(lexicon), None)  # before its id can be reused
    return hits
