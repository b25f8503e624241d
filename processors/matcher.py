"""One pass over an article's words finding every surface form of the lexicon, longest first.

Every word of the text is folded, stemmed and keyed exactly like the lexicon's surface forms
(``rasad.normalize`` + ``rasad.concepts.inflection``), so clitics, diacritics, hamza spellings
and Russian case endings cannot hide a mention. At each word, ``Lexicon.starts`` says whether
any form begins with it and how long the longest is; only then are the few n-grams looked up
in a hash table. The cost grows with the text, not with the size of the lexicon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.inflection import match_key, turkish_candidates
from rasad.normalize import FoldedText, fold_with_offsets, stem

_WORD_RE = re.compile(r"[^\W_]+")


_KEYS: dict[str, str] = {}  # folded word -> match key; words repeat, so this saves most of the work
_KEYS_MAX = 500_000


@dataclass(frozen=True, slots=True)
class Tokens:
    """The words of a text: their match keys and where each is in the original text."""

    keys: list[str]
    words: re.Pattern  # how the words were found, to locate them again when one matches
    folded: FoldedText
    _spans: list[tuple[int, int]] = field(default_factory=list)

    def original(self, first: int, last: int) -> tuple[int, int]:
        """Offsets in the original text of words ``first`` .. ``last``."""
        if not self._spans:  # only texts with a match pay for word positions
            self._spans.extend(m.span() for m in self.words.finditer(self.folded.text))
        return self.folded.span(self._spans[first][0], self._spans[last][1])


@dataclass(frozen=True, slots=True)
class Match:
    """A run of words ``[first, last]`` that is a surface form of some concepts."""

    first: int
    last: int
    start: int
    end: int
    candidates: tuple[tuple[str, tuple[Rule | None, ...]], ...]  # (concept id, rules of its forms with these words)


def tokenize(text: str) -> Tokens:
    """Match-keyed words of ``text``."""
    folded = fold_with_offsets(text)
    words = _WORD_RE.findall(folded.text)
    keys = list(map(_KEYS.get, words))  # C-speed loop; words not seen before are keyed below
    if None in keys:
        if len(_KEYS) >= _KEYS_MAX:
            _KEYS.clear()
        for i, key in enumerate(keys):
            if key is None:
                keys[i] = _KEYS[words[i]] = match_key(stem(words[i]))
    return Tokens(keys, _WORD_RE, folded)


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
    return Tokens(keys, tokens.words, tokens.folded)


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
    for i in [i for i, key in enumerate(keys) if key in starts]:  # words some form begins with
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
