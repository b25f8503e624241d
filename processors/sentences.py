"""Which sentence a word or a character is in: patterns and modality cues stay within one.

A sentence ends at ``.``, ``!``, ``?``, ``؟``, ``;`` or ``؛`` followed by a space (or a closing
quote, then a space), and at a line break (the title ends with one). Decimal points and
abbreviations followed by a lowercase word rarely matter here: a pattern's two parts are a
few words apart, and a cue is looked for near its event.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from processors.mentions import Found

_END = re.compile(r"[.!?؟;؛]+[\"'»”)]*(?=\s)|\n+")


class Sentences:
    """Sentence numbers of the cue words of a ``Found`` and of any character offset.

    Computed when first asked (most texts never need them).
    """

    def __init__(self, found: Found):
        self.found = found
        self.text = found.tokens.text if found.tokens is not None else ""
        self._ends: list[int] | None = None
        self._spans: dict[int, tuple[int, int]] | None = None

    def of_char(self, offset: int) -> int:
        """The sentence (0, 1, …) the character at ``offset`` is in."""
        if self._ends is None:
            self._ends = [m.end() for m in _END.finditer(self.text)]
        return bisect_right(self._ends, offset)

    def of_word(self, word: int) -> int:
        """The sentence of a cue word (by its index among the text's words)."""
        if self._spans is None:
            tokens, cue_words = self.found.tokens, [w for w, _ in self.found.cues]
            self._spans = tokens.word_spans(cue_words) if tokens is not None and cue_words else {}
        span = self._spans.get(word)
        return self.of_char(span[0]) if span is not None else -1
