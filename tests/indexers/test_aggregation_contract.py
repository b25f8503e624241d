"""The aggregation and scan contract (what dashboards and exports read) on every store engine.

The expected counts come from the document builder (``rasad.document.keyword_fields``) over
the known corpus, plus a few written out; both stores must agree with it and with each other.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from rasad import concepts
from rasad.document import keyword_fields
from rasad.errors import BadInput
from rasad.query import parse
from rasad.store import (
    AggregationRequest,
    Count,
    DateHistogram,
    Latest,
    Store,
    Terms,
)
from tests.helpers.engines import ENGINES
from tests.indexers.corpus import ALL, SYRIA, corpus
from tests.indexers.test_store_contract import drop, open_test_store

ARRIVAL = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def arrived():
    """The corpus, each article ingested 90 s after the one before it, from ARRIVAL."""
    return [
        a.model_copy(update={"ingested_at": ARRIVAL + timedelta(seconds=90 * i)})
        for i, a in enumerate(corpus())
    ]


@pytest.fixture(scope="module", params=ENGINES)
def store(request, tmp_path_factory):
    s = open_test_store(request.param, tmp_path_factory.mktemp(request.param), request)
    assert not s.index(arrived()).rejected
    s.refresh()
    yield s
    drop(s)


def aggregate(store: Store, text: str = "", **options):
    lexicon = concepts.load()
    aggs = {
        name: agg if not isinstance(agg, tuple) else agg[0](**{**agg[1], "filter": _node(agg[1])})
        for name, agg in options.pop("aggs").items()
    }
    return store.aggregate(AggregationRequest(parse(text, lexicon), aggs, **options))


def _node(options: dict):
    text = options.get("filter")
    return parse(text, concepts.load()).root if isinstance(text, str) else text


def expected_terms(field: str, ids: set[str], size: int = 10) -> list[tuple[str, int]]:
    counts = Counter(v for a in corpus() if a.id in ids for v in _list(keyword_fields(a)[field]))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]


def _list(value) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


@pytest.mark.parametrize(
    "field", ["language", "source", "countries", "concepts", "events", "actors", "places"]
)
def test_terms_of_every_field_agree_with_the_document(store, field):
    result = aggregate(store, aggs={"top": Terms(field, size=5)})
    assert result.buckets["top"] == expected_terms(field, ALL, 5)


def test_terms_known_values(store):
    result = aggregate(store, aggs={"places": Terms("places"), "events": Terms("events")})
    assert result.buckets["events"] == [("airstrike", 3), ("military-coordination", 1)]
    assert ("163345", 2) in result.buckets["places"] and result.buckets["places"][0] == ("SY", 10)


def test_count_query_and_filters_narrow_each_aggregation(store):
    result = aggregate(
        store,
        "country:SY",
        aggs={
            "all": Count(),
            "arabic": (Count, {"filter": "lang:ar"}),
            "languages": (Terms, {"field": "language", "filter": "-lang:ar"}),
            "isis": (Count, {"filter": "ISIS"}),
        },
    )
    assert result.buckets["all"] == [("count", len(SYRIA))]
    syrian_arabic = {a.id for a in corpus() if a.id in SYRIA and a.language == "ar"}
    assert result.buckets["arabic"] == [("count", len(syrian_arabic))]
    assert result.buckets["languages"] == expected_terms("language", SYRIA - syrian_arabic)
    assert result.buckets["isis"] == [("count", 5)]  # ISIS in any language, within Syria


def test_date_histogram_fills_every_bucket_of_the_range(store):
    result = aggregate(
        store,
        "country:SY",
        aggs={"days": DateHistogram(86400)},
        since=datetime(2015, 10, 1, tzinfo=UTC),
        until=datetime(2015, 10, 5, 23, 59, tzinfo=UTC),
    )
    assert result.buckets["days"] == [
        ("2015-10-01T00:00:00Z", 1),
        ("2015-10-02T00:00:00Z", 1),
        ("2015-10-03T00:00:00Z", 1),
        ("2015-10-04T00:00:00Z", 0),
        ("2015-10-05T00:00:00Z", 1),
    ]


def test_date_histogram_without_bounds_lists_only_buckets_with_articles(store):
    result = aggregate(store, "lang:fr", aggs={"days": DateHistogram(86400)})
    assert [n for _, n in result.buckets["days"]] == [1, 1]
    assert result.buckets["days"][0][0] == "2015-10-05T00:00:00Z"


def test_histogram_on_arrival_time_with_a_filter_per_series(store):
    since, until = ARRIVAL, ARRIVAL + timedelta(minutes=5, seconds=59)
    result = aggregate(
        store,
        aggs={
            "all": DateHistogram(60),
            "isis": (DateHistogram, {"seconds": 60, "filter": "concept:Q2429253"}),
        },
        time_field="ingested_at",
        since=since,
        until=until,
    )
    # Articles 0..3 arrive at 0, 90, 180, 270 s: minutes 0, 1, 3, 4 (article 4 at 360 s is out).
    assert result.buckets["all"] == [
        (f"2026-01-01T12:0{m}:00Z", n) for m, n in enumerate([1, 1, 0, 1, 1, 0])
    ]
    first_four = list(corpus())[:4]
    isis_minutes = [
        {0: 0, 1: 1, 2: 3, 3: 4}[i]
        for i, a in enumerate(first_four)
        if "Q2429253" in {t.id for t in a.tags}
    ]
    assert [k for k, n in result.buckets["isis"] if n] == [
        f"2026-01-01T12:0{m}:00Z" for m in isis_minutes
    ]


def test_latest_by_date_and_by_arrival(store):
    by_date = aggregate(store, aggs={"latest": Latest(3)})
    # en5 has no publication date: its date is its arrival (2026), the newest.
    assert [a.id for a in by_date.articles["latest"]] == ["en5", "ar5", "fr2"]
    by_arrival = aggregate(store, aggs={"latest": Latest(2)}, time_field="ingested_at")
    assert [a.id for a in by_arrival.articles["latest"]] == [a.id for a in corpus()][::-1][:2]
    assert by_arrival.articles["latest"][0].tags  # whole articles, tags included


def test_exclude_leaves_articles_out_of_every_aggregation(store):
    result = aggregate(
        store,
        "lang:ar",
        aggs={"n": Count(), "latest": Latest(10), "sources": Terms("source")},
        exclude=frozenset({"ar1", "ar5"}),
    )
    assert result.buckets["n"] == [("count", 3)]
    assert {a.id for a in result.articles["latest"]} == {"ar2", "ar3", "ar4"}
    assert result.buckets["sources"] == expected_terms("source", {"ar2", "ar3", "ar4"})


def test_bad_aggregations_are_refused():
    with pytest.raises(ValueError, match="cannot count 'text'"):
        Terms("text")
    with pytest.raises(BadInput, match="more than"):
        AggregationRequest(
            parse("", concepts.load()),
            {"h": DateHistogram(1)},
            since=datetime(2015, 1, 1, tzinfo=UTC),
            until=datetime(2016, 1, 1, tzinfo=UTC),
        )


def test_scan_streams_every_match_newest_first(store):
    lexicon = concepts.load()
    every = [a.id for a in store.scan(parse("", lexicon))]
    assert every[:3] == ["en5", "ar5", "fr2"] and every[-1] == "ar1" and len(every) == len(ALL)
    assert sorted(a.id for a in store.scan(parse("country:SY", lexicon))) == sorted(SYRIA)
    assert list(store.scan(parse("nothingmatchesthis", lexicon))) == []


def test_scan_pages_past_one_batch(store):
    lexicon = concepts.load()
    paged = [a.id for a in store.scan(parse("", lexicon), batch=4)]
    assert paged == [a.id for a in store.scan(parse("", lexicon))]
