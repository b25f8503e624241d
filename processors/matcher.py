"""One pass over an article's words finding every surface form of the lexicon, longest first.

Every word of the text is folded, stemmed and keyed exactly like the lexicon's surface forms
(``rasad.normalize`` + ``rasad.concepts.inflection``), so clitics, diacritics, hamza spellings
and Russian case endings cannot hide a mention. At each word, ``Lexicon.starts`` says whether
any form begins with it and how long the longest is; only then are the few n-grams looked up
in a hash table. The cost grows with the text, not with the size of the lexicon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.inflection import match_key
from rasad.normalize import fold_with_offsets, stem

_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the text: its match key and where it is in the original text."""

    key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Match:
    """A run of words ``[first, last]`` that is a surface form of some concepts."""

    first: int
    last: int
    start: int
    end: int
    candidates: dict[str, tuple[Rule | None, ...]]  # concept id -> the rules of its forms with these words


def tokenize(text: str) -> list[Token]:
    """Match-keyed tokens of ``text`` with offsets into ``text``."""
    folded = fold_with_offsets(text)
    tokens = []
    for found in _WORD_RE.finditer(folded.text):
        start, end = folded.span(found.start(), found.end())
        tokens.append(Token(match_key(stem(found.group())), start, end))
    return tokens


def find(tokens: list[Token], lexicon: Lexicon) -> list[Match]:
    """Non-overlapping matches, the longest form at each position winning."""
    keys = [t.key for t in tokens]
    starts, index = lexicon.starts, lexicon.index
    matches: list[Match] = []
    i, n = 0, len(keys)
    while i < n:
        longest = starts.get(keys[i])
        if longest is None:
            i += 1
            continue
        for length in range(min(longest, n - i), 0, -1):
            entry = index.get(tuple(keys[i:i + length]))
            if entry:
                last = i + length - 1
                matches.append(Match(i, last, tokens[i].start, tokens[last].end, entry))
                i = last + 1
                break
        else:
            i += 1
    return matches
