"""Find the taxonomy's concepts in an article: one pass over normalized tokens, longest match first.

Every token of the article (title + text) is folded and stemmed exactly like the lexicon's
surface forms, so clitics, diacritics and hamza spellings cannot hide a mention. At each
position the longest run of tokens that is a known surface form wins, via hash lookups of
token n-grams: cost grows with the text, not with the size of the lexicon.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rasad.concepts import Concept, Lexicon
from rasad.model import Article, Span, Tag
from rasad.normalize import fold_with_offsets, stem

_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the article: its canonical term and where it is in the original text."""

    term: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Canonical tokens with offsets into ``text``."""
    folded = fold_with_offsets(text)
    tokens = []
    for match in _WORD_RE.finditer(folded.text):
        start, end = folded.span(match.start(), match.end())
        tokens.append(Token(stem(match.group()), start, end))
    return tokens


def find_mentions(text: str, lexicon: Lexicon) -> list[tuple[Concept, Span]]:
    """Every (concept, span) mention in ``text``, longest match at each position, no overlaps."""
    tokens = tokenize(text)
    terms = [t.term for t in tokens]
    longest = lexicon.max_form_length
    mentions: list[tuple[Concept, Span]] = []
    i = 0
    while i < len(tokens):
        for length in range(min(longest, len(tokens) - i), 0, -1):
            concepts = lexicon.lookup(tuple(terms[i:i + length]))
            if concepts:
                start, end = tokens[i].start, tokens[i + length - 1].end
                mentions.extend((c, Span(start=start, end=end, text=text[start:end])) for c in concepts)
                i += length
                break
        else:
            i += 1
    return mentions


def tag(article: Article, lexicon: Lexicon) -> list[Tag]:
    """The tags of an article, one per concept, with every span that mentions it."""
    body = article.body
    spans: dict[str, list[Span]] = defaultdict(list)
    for concept, span in find_mentions(body, lexicon):
        spans[concept.id].append(span)
    tags = [_tag(lexicon.concepts[cid], found) for cid, found in spans.items()]
    tags += _derived_countries(tags, lexicon)
    return sorted(tags, key=lambda t: (t.kind, -len(t.spans), t.id))


def _tag(concept: Concept, spans: list[Span]) -> Tag:
    confidence = min(0.99, 0.6 + 0.1 * len(spans))
    return Tag(kind=concept.kind, id=concept.id, label=concept.label, spans=spans, confidence=round(confidence, 2),
               country=concept.country, lat=concept.lat, lon=concept.lon, codes=dict(concept.codes))


def _derived_countries(tags: list[Tag], lexicon: Lexicon) -> list[Tag]:
    """A place inside a country implies that country (marked derived) when not mentioned itself."""
    present = {t.id for t in tags}
    derived: dict[str, Tag] = {}
    for t in tags:
        code = t.country
        if t.kind == "place" and code and code not in present and code in lexicon.concepts and code not in derived:
            country = lexicon.concepts[code]
            derived[code] = Tag(kind="place", id=code, label=country.label, confidence=round(t.confidence * 0.9, 2),
                                derived=True, country=code)
    return list(derived.values())
