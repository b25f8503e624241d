"""Whether two places in a text are in one sentence: patterns and modality cues stay within one.

A sentence ends at ``.``, ``!``, ``?``, ``؟``, ``;`` or ``؛`` followed by a space (or a closing
quote, then a space), and at a line break (the title ends with one). Decimal points and
abbreviations followed by a lowercase word rarely matter here: a pattern's two parts are a
few words apart, and a cue is looked for near its event. Only the text between the two places
is searched, so asking costs what that stretch costs, not what the article does.
"""

from __future__ import annotations

import re

from processors.mentions import Found

_END = re.compile(r"[.!?؟;؛]+[\"'»”)]*(?=\s)|\n+")


class Sentences:
    """Sentence boundaries between character offsets of one text, and where its cue words are."""

    def __init__(self, found: Found):
        self.found = found
        self.text = found.tokens.text if found.tokens is not None else ""

    def ends_between(self, first: int, second: int) -> int:
        """How many sentences end between two character offsets (in either order)."""
        low, high = (first, second) if first <= second else (second, first)
        return len(_END.findall(self.text, low, high))

    def same(self, first: int, second: int) -> bool:
        """Whether two character offsets are in one sentence."""
        low, high = (first, second) if first <= second else (second, first)
        return _END.search(self.text, low, high) is None

    def start_of(self, word: int) -> int:
        """Where a word (by its index among the text's words) starts; -1 without tokens."""
        tokens = self.found.tokens
        return tokens.span(word, word)[0] if tokens is not None else -1
