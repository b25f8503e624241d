"""The search document built from a tagged article: one builder for every store."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import canonical_filter

LANGUAGE_FIELDS = ("ar", "en", "fr", "ru", "tr")
# query filter name -> document field
FILTER_FIELDS = {
    "lang": "language",
    "country": "countries",
    "concept": "concepts",
    "type": "events",
    "actor": "actors",
    "place": "places",
    "source": "source_key",
    "story": "story_id",
}
# facet name -> document field (the same facets from every store)
FACET_FIELDS = {
    "language": "language",
    "country": "countries",
    "concept": "actors",
    "event": "events",
    "source": "source",
}
FACET_SIZE = 20
# keyword fields a terms aggregation (a dashboard's bars, a map) can count
TERMS_FIELDS = ("language", "source", "countries", "concepts", "events", "actors", "places")
_SLUG_RE = re.compile(r"[^\w.-]+")


def source_key(source: str) -> str:
    """A source name as a filter value: lowercase, spaces and punctuation as '-'."""
    return _SLUG_RE.sub("-", source.strip().lower()).strip("-")


def article_date(article: Article) -> str | None:
    """The date an article is placed at: published, else ingested (ISO 8601, UTC)."""
    when = article.published_at or article.ingested_at
    return when.astimezone(UTC).isoformat() if when else None


def rejected_concepts(article: Article) -> list[str]:
    """Concepts the tagger read in the text but rejected there, and did not tag elsewhere.

    A literal match of a word naming one of them ranks below concept matches (``rasad.query``).
    """
    tagged = {t.id for t in article.tags}
    return sorted(
        {canonical_filter("concept", r.id) for r in article.rejections or () if r.id not in tagged}
    )


def document(article: Article, stemmer: Stemmer) -> dict[str, Any]:
    """Fields every store indexes; the article itself travels along for ``get``.

    ``stemmer`` normalizes the text when the tagger did not (``article.normalized``).
    """
    doc = {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "text_norm": article.normalized
        or stemmer.normalized(article.body),  # the tagger's, when it ran
        "url": article.url,
        "story_id": article.story_id or article.id,
        "date": article_date(article),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "ingested_at": article.ingested_at.isoformat() if article.ingested_at else None,
        **keyword_fields(article),
    }
    if doc["language"] in LANGUAGE_FIELDS:
        doc[f"text_{doc['language']}"] = article.body
    return doc


def keyword_fields(article: Article) -> dict[str, Any]:
    """The document's keyword fields (what filters and aggregations read): no text analysis."""
    tags = article.tags
    countries = {t.id for t in tags if t.kind == "place" and len(t.id) == 2} | {
        t.country for t in tags if t.kind == "place" and t.country
    }
    return {
        "language": (article.language or "und").lower(),
        "source": article.source,
        "source_key": source_key(article.source) if article.source else "",
        "concepts": sorted({canonical_filter("concept", t.id) for t in tags}),
        "countries": sorted(canonical_filter("country", c) for c in countries),
        "events": sorted({canonical_filter("type", t.id) for t in tags if t.kind == "event"}),
        "actors": sorted({canonical_filter("actor", t.id) for t in tags if t.kind == "actor"}),
        "places": sorted({canonical_filter("place", t.id) for t in tags if t.kind == "place"}),
        "keywords": sorted({t.label for t in tags if t.kind == "keyword"}),
        "rejected": rejected_concepts(article),
        "labels": sorted({t.label for t in tags}),
        "locations": [
            {"lat": t.lat, "lon": t.lon} for t in tags if t.lat is not None and t.lon is not None
        ],
    }
