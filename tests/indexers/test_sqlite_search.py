"""The SQLite store's fast search path: one match set per request,
counted, paged, faceted and bucketed.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexers.sqlite import SqliteStore, _bucket
from rasad import concepts
from rasad.query import parse
from rasad.store import SearchRequest
from tests.indexers.corpus import corpus


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = SqliteStore(tmp_path_factory.mktemp("sqlite") / "rasad.db", concepts.load().stemmer)
    s.setup()
    s.index(corpus())
    yield s
    s.close()


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)))
def test_histogram_buckets_match_sqlite_calendar_functions(day):
    # The buckets are computed in Python from the UTC day; they must equal the SQL date
    # functions the store used before (a week is keyed by its Monday, like OpenSearch's).
    with sqlite3.connect(":memory:") as db:
        week, month = db.execute(
            "SELECT date(?, 'weekday 0', '-6 days'), strftime('%Y-%m', ?)",
            (day.isoformat(), day.isoformat()),
        ).fetchone()
    assert _bucket(day.isoformat(), "week") == week
    assert _bucket(day.isoformat(), "month") == month
    assert _bucket(day.isoformat(), "day") == day.isoformat()


@pytest.mark.parametrize("text", ["داعش", "lang:en", "", "Raqqa OR Syria"])
def test_both_facet_join_orders_count_alike(store, text):
    request = SearchRequest(parse(text, concepts.load()))
    with store._lock:
        total = store._match(request)
        few = store._db.execute(
            f"SELECT f.facet, f.value, count(*) FROM {store._facet_join(0)} "
            "GROUP BY f.facet, f.value"
        ).fetchall()
        many = store._db.execute(
            f"SELECT f.facet, f.value, count(*) FROM {store._facet_join(10**9)} "
            "GROUP BY f.facet, f.value"
        ).fetchall()
    assert total > 0
    assert sorted(few) == sorted(many)
    assert "matched m CROSS JOIN" in store._facet_join(
        0
    ) and "facets f INDEXED BY" in store._facet_join(10**9)


def test_date_sorted_hits_keep_their_relevance_scores(store):
    query = parse("Syria OR داعش", concepts.load())
    by_relevance = store.search(SearchRequest(query, size=100))
    by_date = store.search(SearchRequest(query, size=100, sort="date"))
    assert by_date.total == by_relevance.total == len(by_date.hits)
    scores = {h.article.id: h.score for h in by_relevance.hits}
    assert {h.article.id: h.score for h in by_date.hits} == pytest.approx(scores)
    assert all(score > 0 for score in scores.values())


def test_a_later_search_does_not_see_an_earlier_match_set(store):
    lexicon = concepts.load()
    wide = store.search(SearchRequest(parse("", lexicon)))
    narrow = store.search(SearchRequest(parse("lang:ru", lexicon)))
    assert wide.total == 14
    assert narrow.total == len(narrow.hits) == 1
    assert dict(narrow.facets["language"]) == {"ru": 1}
