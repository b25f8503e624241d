"""Find the taxonomy's concepts in an article: events, actors, places and keywords, with evidence.

``tag`` is the pure function both the Faust agent and the embedded runner call. Every tag
carries its kind, standard id, English label, the spans (offsets into ``article.body``) that
produced it and a confidence; places carry coordinates, and a city implies its country
(a tag marked ``derived``). The steps: ``matcher`` finds surface forms in one pass,
``context`` keeps the readings the rules and the surrounding words allow, this module scores.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel

from processors import modality
from processors.context import Resolved, resolve
from processors.mentions import Found, Match, find, tokenize, undo_turkish_suffixes
from processors.sentences import Sentences
from rasad.concepts import Concept, Lexicon
from rasad.model import Article, Modality, Rejection, Span, Tag

_CERTAIN, _CONTEXTUAL, _EACH_MORE, _IN_TITLE, _CAP = 0.75, 0.55, 0.07, 0.05, 0.99
_DERIVED = 0.9  # a country implied by a city: a little less sure than the city
# Spans kept per tag (the first ones): a term repeated 100,000 times in a hostile or broken text
# would otherwise make the tagged message ~10x the size of the text. Confidence still counts all.
MAX_SPANS = 100


class Analysis(NamedTuple):
    """What the tagger decided about a text: its tags, and the forms it read but rejected."""

    tags: list[Tag]
    rejections: list[Rejection]


def tag(article: Article, lexicon: Lexicon) -> list[Tag]:
    """The tags of an article, one per concept, with every span that mentions it."""
    return analyse(article, lexicon).tags


def analyse(article: Article, lexicon: Lexicon) -> Analysis:
    """The tags of an article and the rejected forms, each with the cue that rejected it."""
    return analyse_text(
        article.body,
        lexicon,
        title_end=len(article.title) if article.title else 0,
        language=article.language,
    )


def tag_text(
    text: str, lexicon: Lexicon, title_end: int = 0, language: str | None = None
) -> list[Tag]:
    """The tags of a text; spans before ``title_end`` are in the title and count a little more.

    ``language`` (ISO 639-1) lets inflection be undone where words carry it (Turkish suffixes).
    """
    return analyse_text(text, lexicon, title_end, language).tags


def analyse_text(
    text: str, lexicon: Lexicon, title_end: int = 0, language: str | None = None
) -> Analysis:
    """``tag_text`` with the rejected forms (``Analysis``)."""
    tokens = tokenize(text, lexicon.stemmer)
    if language == "tr":
        tokens = undo_turkish_suffixes(tokens, lexicon)
    found = find(tokens, lexicon)
    resolved = resolve(found, lexicon)
    events = _Events(found, resolved, lexicon, language) if _has_events(resolved, lexicon) else None
    ordered = _ordered_tags(resolved, lexicon.concepts, title_end, events)
    # By kind, most confident first, then id (ids differ: the tags themselves are never compared).
    ordered.sort()
    rejections: list[Rejection] = [
        _built(  # a Rejection, built like the tags
            Rejection,
            {"id": cid, "start": m.start, "end": m.end, "text": m.text, "cue": cue},
            _REJECTION_FIELDS,
        )
        for m, cid, cue in resolved.rejected
        if cid not in resolved.matches
    ]
    return Analysis(list(map(_TAG_OF, ordered)), rejections)


def _has_events(resolved: Resolved, lexicon: Lexicon) -> bool:
    concepts = lexicon.concepts
    return any(concepts[cid].kind == "event" for cid in resolved.matches)


class _Events:
    """The event side of a tagged text: the actors of patterns, and each mention's modality."""

    def __init__(self, found: Found, resolved: Resolved, lexicon: Lexicon, language: str | None):
        self.found, self.cues = found, lexicon.cues
        self.partners: dict[str, list[Match]] = {}
        tokens = found.tokens
        if resolved.partners and tokens is not None:
            spans = tokens.word_spans([word for _, word in resolved.partners])
            for cid, word in resolved.partners:
                start, end = spans[word]
                actor = Match(word, word, start, end, tokens.text[start:end], ())
                if actor not in self.partners.setdefault(cid, []):
                    self.partners[cid].append(actor)
        self.sentences = Sentences(found)
        self.hits = modality.cue_hits(found, self.cues, self.sentences)
        if language == "tr":
            self.hits += modality.suffix_hits(found, self.cues, self.sentences)

    def mentions(self, event: str, matches: list[Match]) -> tuple[list, list]:
        """The event's matches with its pattern actors (in text order), and their modalities."""
        modalities = [self.modality(event, m) for m in matches]
        actors = self.partners.get(event)
        if not actors:
            return matches, modalities
        owned = [m for m in dict.fromkeys(actors) if m not in matches]
        merged = sorted(
            zip(matches + owned, modalities + [None] * len(owned), strict=True), key=itemgetter(0)
        )
        return [m for m, _ in merged], [mod for _, mod in merged]

    def modality(self, event: str, match: Match) -> Modality:
        if not self.hits:
            return "carried_out"
        return modality.of_mention(match, event, self.sentences, self.hits, self.cues.threats)


def _ordered_tags(
    resolved: Resolved, concepts: dict[str, Concept], title_end: int, events: _Events | None
) -> list[tuple]:
    """The tags, each as ``(kind, -confidence, id, tag)``: sorted, the order they are listed in.

    More sure for an unambiguous form, each further mention, a mention in the title. A city
    implies its country (a derived tag, without spans) when the country is not mentioned itself.
    Events carry the spans of their patterns' actors and their modality.
    """
    mentioned, certain = resolved.matches, resolved.certain
    ordered: list[tuple] = []
    implied: dict[str, float] = {}  # country code -> the confidence of its derived tag
    for concept_id, matches in mentioned.items():
        scores = _SCORES[concept_id in certain][matches[0].start < title_end]
        confidence = scores[len(matches)] if len(matches) < len(scores) else scores[-1]
        concept = concepts[concept_id]
        if events is not None and concept.kind == "event":
            spans, modalities = events.mentions(concept_id, matches)
            found = _tag(concept, confidence, spans, modalities)
        else:
            found = _tag(concept, confidence, matches)
        ordered.append((concept.kind, -confidence, concept_id, found))
        code = concept.country
        if code and code not in mentioned and concept.kind == "place" and code in concepts:
            confidence = _DERIVED_SCORES[confidence]
            if confidence > implied.get(code, 0.0):
                implied[code] = confidence
    for code, confidence in implied.items():
        country = concepts[code]
        ordered.append((country.kind, -confidence, code, _tag(country, confidence, None)))
    return ordered


_TAG_OF = itemgetter(3)


def _scores(certain: bool, in_title: bool) -> tuple[float, ...]:
    """The confidence of a concept mentioned n times, at index n (from 1
    up to the first n at the cap).
    """
    scores = [0.0]
    while len(scores) < 2 or scores[-1] < _CAP:
        confidence = (
            (_CERTAIN if certain else _CONTEXTUAL)
            + _EACH_MORE * (len(scores) - 1)
            + (_IN_TITLE if in_title else 0.0)
        )
        scores.append(round(min(_CAP, confidence), 2))
    return tuple(scores)


_SCORES = tuple(
    tuple(_scores(certain, in_title) for in_title in (False, True)) for certain in (False, True)
)
_DERIVED_SCORES = {
    score: round(score * _DERIVED, 2)
    for by_title in _SCORES
    for scores in by_title
    for score in scores
}


def _tag(
    concept: Concept,
    confidence: float,
    matches: list[Match] | None,
    modalities: list[Modality | None] | None = None,
) -> Tag:
    """The concept's tag, built without re-validating fields this module computed itself.

    Validating ~25 tags and their spans per article cost about as much as finding them; the
    values here are typed by construction (tests/processors check they validate to equal tags).
    A derived tag (``matches`` None) has no spans and is the country itself. ``modalities``
    (events): each span's, None for an actor's span; the tag's is derived from them.
    """
    templates = _TEMPLATES.get(concept) or _templates(concept)
    spans = []
    if matches is None:
        fields = templates[1].copy()
    else:
        fields = templates[0].copy()
        each = modalities or [None] * len(matches)
        for match, how in zip(matches[:MAX_SPANS], each[:MAX_SPANS], strict=True):
            spans.append(
                _built(
                    Span,
                    {"start": match.start, "end": match.end, "text": match.text, "modality": how},
                    _SPAN_FIELDS,
                )
            )
    if concept.kind == "event":
        found = [m for m in modalities or () if m is not None]
        fields["modality"] = modality.of_tag(found) if found else "carried_out"
    fields["spans"], fields["confidence"], fields["codes"] = (
        spans,
        confidence,
        concept.codes.copy(),
    )  # its own
    return _built(Tag, fields, _TAG_FIELDS)


_TEMPLATES: dict[
    Concept, tuple[dict, dict]
] = {}  # concept -> its tag's fields (mentioned, derived); by identity


def _templates(concept: Concept) -> tuple[dict, dict]:
    """The fields of a concept's tag in schema order, mentioned and derived,
    without spans/confidence/codes.
    """
    if len(_TEMPLATES) >= 100_000:  # concepts of lexicons no longer in use
        _TEMPLATES.clear()
    mentioned = {
        "kind": concept.kind,
        "id": concept.id,
        "label": concept.label,
        "spans": None,
        "confidence": None,
        "derived": False,
        "country": concept.country,
        "lat": concept.lat,
        "lon": concept.lon,
        "codes": None,
        "modality": None,
    }
    derived = {**mentioned, "derived": True, "country": concept.id, "lat": None, "lon": None}
    templates = _TEMPLATES[concept] = (mentioned, derived)
    return templates


Model = TypeVar("Model", bound=BaseModel)
# The setters of BaseModel's slots, called directly: no attribute lookup by name per object built.
_new = object.__new__
_set_dict, _set_fields_set, _set_extra, _set_private = (
    vars(BaseModel)[name].__set__
    for name in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )
)
_SPAN_FIELDS, _TAG_FIELDS = set(Span.model_fields), set(Tag.model_fields)
_REJECTION_FIELDS = set(Rejection.model_fields)


def _built(model: type[Model], fields: dict[str, Any], names: set[str]) -> Model:
    """A pydantic model holding ``fields`` (all ``names``, in schema order), as
    ``model_construct`` builds it, faster.
    """
    instance = _new(model)
    _set_dict(instance, fields)
    # Shared: every field is set, so pydantic's only write to it (adding a
    # field's name) changes nothing.
    _set_fields_set(instance, names)
    _set_extra(instance, None)
    _set_private(instance, None)
    return instance
