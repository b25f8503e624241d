"""Highlight fragments computed from the original text, the same for every store.

Words are matched by their canonical term (``rasad.normalize``), so a query for داعش marks
لداعش in the text. The text is HTML-escaped first and the ``<mark>`` tags inserted after,
so nothing in an article can inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from rasad.model import Article
from rasad.normalize import fold_with_offsets

_WORD_RE = re.compile(r"[^\W_]+")


def matches(text: str, terms: set[str], stem: Callable[[str], str]) -> list[tuple[int, int]]:
    """[start, end) spans of the words of ``text`` whose canonical term
    (by ``stem``) is in ``terms``.
    """
    if not terms:
        return []
    folded = fold_with_offsets(text)
    return [
        folded.span(m.start(), m.end())
        for m in _WORD_RE.finditer(folded.text)
        if stem(m.group()) in terms
    ]


def fragments(
    text: str,
    terms: set[str],
    stem: Callable[[str], str],
    size: int = 180,
    limit: int = 3,
    extra: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """Up to ``limit`` escaped fragments of about ``size`` characters around matches, best first.

    ``extra`` spans are marked too: the tag spans of concepts the query named in another language.
    """
    spans = _merge(matches(text, terms, stem) + list(extra))
    if not spans:
        return []
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, end in spans:
        if windows and start < windows[-1][1]:
            windows[-1][2].append((start, end))
            continue
        begin = max(0, start - size // 3)
        windows.append((begin, min(len(text), begin + size), [(start, end)]))
    windows.sort(key=lambda w: -len({text[s:e] for s, e in w[2]}))
    return [_render(text, begin, stop, marks) for begin, stop, marks in windows[:limit]]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def concept_spans(article: Article, concept_ids: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the article's tags for these concepts were found (offsets into ``article.body``)."""
    wanted = set(concept_ids)
    return [(s.start, s.end) for tag in article.tags if tag.id in wanted for s in tag.spans]


def _render(text: str, begin: int, stop: int, marks: list[tuple[int, int]]) -> str:
    out = ["…" if begin > 0 else ""]
    cursor = begin
    for start, end in marks:
        end = min(end, stop)
        if start >= stop:
            break
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:stop]))
    out.append("…" if stop < len(text) else "")
    return " ".join("".join(out).split())
