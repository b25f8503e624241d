"""An article's text cut at every tag span boundary, so a page can mark each tag where it was found.

Offsets are the tags' own: into ``article.body`` (title + blank line + text). Spans may nest or
overlap; every piece records which tags cover it. Pieces never cross a paragraph break, so
the title and each paragraph render as their own element with their offsets kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from rasad.model import Article


@dataclass(frozen=True)
class Piece:
    """Text from ``start`` to ``end`` of the body; ``tags``: indexes of the tags covering it."""

    start: int
    end: int
    text: str
    tags: tuple[int, ...]


def paragraphs(article: Article) -> list[list[Piece]]:
    """The body as paragraphs (the first is the title when there is one) of marked pieces."""
    body = article.body
    spans = [
        (s.start, s.end, i)
        for i, t in enumerate(article.tags)
        for s in t.spans
        if 0 <= s.start < s.end <= len(body)
    ]
    out = []
    for first, last in _paragraph_ranges(body):
        cuts = {first, last} | {p for s, e, _ in spans for p in (s, e) if first < p < last}
        points = sorted(cuts)
        pieces = []
        for begin, end in pairwise(points):
            covering = tuple(sorted({i for s, e, i in spans if s <= begin and end <= e}))
            pieces.append(Piece(begin, end, body[begin:end], covering))
        out.append(pieces)
    return out


def _paragraph_ranges(body: str) -> list[tuple[int, int]]:
    """[start, end) of each non-blank paragraph (text between blank-line breaks)."""
    ranges, start = [], 0
    while start <= len(body):
        found = body.find("\n\n", start)
        end = found if found != -1 else len(body)
        if body[start:end].strip():
            ranges.append((start, end))
        if found == -1:
            break
        start = found + 2
    return ranges
