"""Find the taxonomy's concepts in an article: events, actors, places and keywords, with evidence.

``tag`` is the pure function both the Faust agent and the embedded runner call. Every tag
carries its kind, standard id, English label, the spans (offsets into ``article.body``) that
produced it and a confidence; places carry coordinates, and a city implies its country
(a tag marked ``derived``). The steps: ``matcher`` finds surface forms in one pass,
``context`` keeps the readings the rules and the surrounding words allow, this module scores.
"""
from __future__ import annotations

from collections import defaultdict

from processors.context import Reading, resolve
from processors.matcher import find, tokenize, undo_turkish_suffixes
from rasad.concepts import Concept, Lexicon
from rasad.model import Article, Tag

_CERTAIN, _CONTEXTUAL, _EACH_MORE, _IN_TITLE, _CAP = 0.75, 0.55, 0.07, 0.05, 0.99
_DERIVED = 0.9  # a country implied by a city: a little less sure than the city


def tag(article: Article, lexicon: Lexicon) -> list[Tag]:
    """The tags of an article, one per concept, with every span that mentions it."""
    return tag_text(article.body, lexicon, title_end=len(article.title) if article.title else 0,
                    language=article.language)


def tag_text(text: str, lexicon: Lexicon, title_end: int = 0, language: str | None = None) -> list[Tag]:
    """The tags of a text; spans before ``title_end`` are in the title and count a little more.

    ``language`` (ISO 639-1) lets inflection be undone where words carry it (Turkish suffixes).
    """
    tokens = tokenize(text)
    if language == "tr":
        tokens = undo_turkish_suffixes(tokens, lexicon)
    readings = resolve(text, tokens, find(tokens, lexicon), lexicon)
    grouped: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        grouped[reading.concept_id].append(reading)
    tags = [_tag(lexicon.concepts[cid], found, text, title_end) for cid, found in grouped.items()]
    tags += _derived_countries(tags, lexicon)
    return sorted(tags, key=lambda t: (t.kind, -t.confidence, t.id))


def _tag(concept: Concept, readings: list[Reading], text: str, title_end: int) -> Tag:
    spans = [{"start": r.match.start, "end": r.match.end, "text": text[r.match.start:r.match.end]} for r in readings]
    base = _CERTAIN if any(r.certain for r in readings) else _CONTEXTUAL
    confidence = base + _EACH_MORE * (len(spans) - 1) + (_IN_TITLE if readings[0].match.start < title_end else 0.0)
    return Tag(kind=concept.kind, id=concept.id, label=concept.label, spans=spans,
               confidence=round(min(_CAP, confidence), 2), country=concept.country,
               lat=concept.lat, lon=concept.lon, codes=dict(concept.codes))


def _derived_countries(tags: list[Tag], lexicon: Lexicon) -> list[Tag]:
    """A city implies its country (marked derived) when the country is not mentioned itself."""
    present = {t.id for t in tags}
    derived: dict[str, Tag] = {}
    for t in tags:
        code = t.country
        if t.kind != "place" or not code or code in present or code not in lexicon.concepts:
            continue
        confidence = round(t.confidence * _DERIVED, 2)
        if code not in derived or derived[code].confidence < confidence:
            country = lexicon.concepts[code]
            derived[code] = Tag(kind="place", id=code, label=country.label, confidence=confidence, derived=True,
                                country=code, codes=dict(country.codes))
    return list(derived.values())
