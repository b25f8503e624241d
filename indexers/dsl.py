"""The query tree and a search request as query DSL (OpenSearch and Elasticsearch share it).

Only structured queries are built (``match``, ``match_phrase``, ``term``, ``bool``): user text
never reaches ``query_string``, so no user input can be read as query syntax by the engine.

Which documents match is decided on ``text_norm`` (the project's own normalization) and the
keyword fields only, exactly like the SQLite store, so every store returns the same hits.
The per-language analyzed fields (``text_ar`` …, with OpenSearch's stemmers) only add to the
score of documents that already match: they improve the ranking, never the hit set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rasad.document import FACET_FIELDS, FACET_SIZE, FILTER_FIELDS, LANGUAGE_FIELDS
from rasad.model import Article
from rasad.query import (
    And,
    Filter,
    Node,
    Not,
    Or,
    Phrase,
    Query,
    Term,
    canonical_filter,
    guarded,
    positive_leaves,
)
from rasad.store import (
    Aggregated,
    Aggregation,
    AggregationRequest,
    Count,
    DateHistogram,
    Latest,
    SearchRequest,
    Terms,
    bucket_key,
)

HISTOGRAM_FORMATS = {"day": "yyyy-MM-dd", "week": "yyyy-MM-dd", "month": "yyyy-MM"}


def to_dsl(node: Node, strict: bool = False) -> dict:
    """The OpenSearch query for a query tree node (``strict``: see ``rasad.query.parse``)."""
    if isinstance(node, Term):
        literal: dict[str, Any] = {"match": {"text_norm": {"query": node.terms[0]}}}
        return _with_concepts(_unless_rejected(literal, node, strict), node.concepts)
    if isinstance(node, Phrase):
        literal = {"match_phrase": {"text_norm": " ".join(node.terms)}}
        return _with_concepts(_unless_rejected(literal, node, strict), node.concepts)
    if isinstance(node, Filter):
        return {"term": {FILTER_FIELDS[node.field]: node.value}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_dsl(node.part, strict)]}}
    if isinstance(node, Or):
        parts = [to_dsl(p, strict) for p in node.parts]
        return {"bool": {"should": parts, "minimum_should_match": 1}}
    if isinstance(node, And):
        return {"bool": {"must": [to_dsl(p, strict) for p in node.parts]}}
    raise TypeError(f"unknown query node {node!r}")


def _unless_rejected(literal: dict, node: Term | Phrase, strict: bool) -> dict:
    """Strict: the literal match only where the tagger did not reject the word as its concept."""
    rejected = guarded(node) if strict else ()
    if not rejected:
        return literal
    return {"bool": {"must": [literal], "must_not": [{"terms": {"rejected": _stored(rejected)}}]}}


def concept_tier(query: Query) -> list[dict]:
    """A ranking clause that puts matches by concept or accepted word above rejected literals.

    Empty when nothing can be demoted. The boost dwarfs text relevance scores, so the strict
    matches come first and keep their relevance order among themselves.
    """
    if query.strict or query.root is None:
        return []
    if not any(guarded(leaf) for leaf in positive_leaves(query.root)):
        return []
    return [{"constant_score": {"filter": to_dsl(query.root, strict=True), "boost": 1e6}}]


def _with_concepts(words: dict, concepts: tuple[str, ...]) -> dict:
    if not concepts:
        return words
    return {
        "bool": {
            "should": [words, {"terms": {"concepts": _stored(concepts)}}],
            "minimum_should_match": 1,
        }
    }


def _stored(concepts: tuple[str, ...]) -> list[str]:
    """Concept ids as the document's keyword fields hold them (``iso:ua-14``, ``Q2429253``)."""
    return [canonical_filter("concept", c) for c in concepts]


def search_bodies(request: SearchRequest) -> tuple[dict, dict]:
    """Two ``_search`` bodies (sent together by ``_msearch``): the page of hits, and the counts.

    The page request ranks and sorts but does not count (``track_total_hits: false`` lets
    OpenSearch skip documents that cannot reach the page, e.g. by date). The counts request
    (total, facets, histogram) runs the same selection in filter context, unscored: it is the
    same for every page and sort of a query, so the shard request cache (``size: 0``) answers
    paging and re-sorting, and its filters are cached per segment.
    """
    query = request.query
    must = selection(query)
    ranking = [leaf.text for leaf in positive_leaves(query.root)]
    should = (
        [
            {
                "multi_match": {
                    "query": " ".join(ranking),
                    "fields": [f"text_{lang}" for lang in LANGUAGE_FIELDS],
                }
            }
        ]
        if ranking
        else []
    ) + concept_tier(query)
    page = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "should": should}},
        "from": request.offset,
        "size": request.size,
        "track_total_hits": False,
        "_source": ["article"],
        "sort": _sort(request),
    }
    counts = {
        "query": {"bool": {"filter": must}},
        "size": 0,
        "track_total_hits": True,
        "aggs": _aggs(request),
    }
    return page, counts


def selection(query: Query) -> list[dict]:
    """The clauses every document of a query must satisfy: its tree and its date bounds."""
    must = [to_dsl(query.root, query.strict)] if query.root is not None else []
    bounds = _bounds("date", query.since, query.until)
    return must + ([bounds] if bounds else [])


def _bounds(field: str, since: datetime | None, until: datetime | None) -> dict | None:
    bounds = {k: v.astimezone(UTC).isoformat() for k, v in (("gte", since), ("lte", until)) if v}
    return {"range": {field: bounds}} if bounds else None


def scan_body(query: Query) -> dict:
    """A ``_search`` body for every document of a query, newest first (``search_after`` pages)."""
    return {
        "query": {"bool": {"filter": selection(query)}},
        "_source": ["article"],
        "sort": [{"date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
        "track_total_hits": False,
    }


def aggregation_body(request: AggregationRequest) -> dict:
    """One unscored ``_search`` body computing every named aggregation of a request.

    An aggregation with its own filter is wrapped in a ``filter`` aggregation (its result under
    ``inner``); histograms over a bounded range ask for every bucket (``extended_bounds``).
    """
    clauses = selection(request.query)
    bounds = _bounds(request.time_field, request.since, request.until)
    if bounds:
        clauses.append(bounds)
    query: dict = {"bool": {"filter": clauses}}
    if request.exclude:
        query["bool"]["must_not"] = [{"ids": {"values": sorted(request.exclude)}}]
    aggs = {name: _aggregation(agg, request) for name, agg in request.aggregations.items()}
    return {"query": query, "size": 0, "track_total_hits": False, "aggs": aggs}


def _aggregation(agg: Aggregation, request: AggregationRequest) -> dict:
    if isinstance(agg, Count):
        return {"filter": to_dsl(agg.filter) if agg.filter else {"match_all": {}}}
    inner = _inner(agg, request)
    if agg.filter is None:
        return inner
    return {"filter": to_dsl(agg.filter), "aggs": {"inner": inner}}


def _inner(agg: Aggregation, request: AggregationRequest) -> dict:
    field = request.time_field
    if isinstance(agg, DateHistogram):
        histogram: dict = {"field": field, "fixed_interval": f"{agg.seconds}s", "min_doc_count": 1}
        if request.since and request.until:
            histogram["min_doc_count"] = 0
            histogram["extended_bounds"] = {
                "min": _epoch_ms(request.since),
                "max": _epoch_ms(request.until),
            }
        return {"date_histogram": histogram}
    if isinstance(agg, Terms):
        order = [{"_count": "desc"}, {"_key": "asc"}]
        return {"terms": {"field": agg.field, "size": agg.size, "order": order}}
    assert isinstance(agg, Latest)
    return {
        "top_hits": {
            "size": agg.size,
            "sort": [{field: {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
            "_source": ["article"],
        }
    }


def aggregated(request: AggregationRequest, aggregations: dict) -> Aggregated:
    """The ``Aggregated`` answer from a response's ``aggregations`` to ``aggregation_body``."""
    out = Aggregated()
    for name, agg in request.aggregations.items():
        result = aggregations.get(name, {})
        if isinstance(agg, Count):
            out.buckets[name] = [("count", int(result.get("doc_count", 0)))]
            continue
        result = result.get("inner", result)
        if isinstance(agg, Latest):
            hits = result.get("hits", {}).get("hits", [])
            out.articles[name] = [Article.model_validate(h["_source"]["article"]) for h in hits]
        elif isinstance(agg, DateHistogram):
            out.buckets[name] = [
                (bucket_key(b["key"] / 1000), b["doc_count"]) for b in result.get("buckets", [])
            ]
        else:
            out.buckets[name] = [(str(b["key"]), b["doc_count"]) for b in result.get("buckets", [])]
    return out


def _epoch_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _aggs(request: SearchRequest) -> dict:
    aggs = {}
    if request.facets:
        aggs = {
            name: {
                "terms": {
                    "field": field,
                    "size": FACET_SIZE,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
            for name, field in FACET_FIELDS.items()
        }
    if request.histogram:
        aggs["histogram"] = {
            "date_histogram": {
                "field": "date",
                "calendar_interval": request.histogram,
                "format": HISTOGRAM_FORMATS[request.histogram],
                "min_doc_count": 1,
            }
        }
    return aggs


def _sort(request: SearchRequest) -> list:
    by_date = {"date": {"order": "desc", "missing": "_last"}}
    if request.sort == "date" or request.query.root is None:
        return [by_date, {"id": "asc"}]
    return ["_score", by_date, {"id": "asc"}]


def facets(aggregations: dict) -> dict[str, list[tuple[str, int]]]:
    """Facet buckets from a search response."""
    return {
        name: [(b["key"], b["doc_count"]) for b in aggregations[name]["buckets"]]
        for name in FACET_FIELDS
        if name in aggregations
    }


def histogram(aggregations: dict) -> list[tuple[str, int]]:
    """(bucket, count) pairs of the date histogram, empty buckets left out."""
    return [
        (b["key_as_string"], b["doc_count"])
        for b in aggregations.get("histogram", {}).get("buckets", [])
        if b["doc_count"]
    ]
