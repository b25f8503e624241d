"""The pure parts of dashboards: the view in the URL, panels as aggregations, the live merge,
cards, and an article's text cut at its tags' spans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboards import definition
from dashboards.marks import paragraphs
from dashboards.panels import card, merge, request_for, safe_url
from dashboards.search import filled
from dashboards.view import auto_interval, view_from
from rasad.errors import BadInput
from rasad.model import Article, Span, Tag
from rasad.query import And, Filter
from rasad.store import Aggregated, Count, DateHistogram, Latest, Terms
from tests.indexers.corpus import corpus

NOW = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)


def test_relative_and_custom_ranges():
    view = view_from({"range": "15m", "q": "ISIS"}, ["lang:ar", " "], "1h", NOW)
    assert (view.since, view.until, view.live) == (NOW - timedelta(minutes=15), NOW, True)
    assert view.text == "(ISIS) lang:ar"
    later = view.moved(NOW + timedelta(minutes=5))
    assert later.until - later.since == timedelta(minutes=15) and later.until == NOW + timedelta(
        minutes=5
    )
    custom = view_from(
        {"range": "custom", "from": "2025-02-20", "to": "2025-02-21T06:00:00Z"}, [], "1h", NOW
    )
    assert custom.since == datetime(2025, 2, 20, tzinfo=UTC) and not custom.live
    assert custom.moved(NOW) == custom
    assert view_from({}, [], "24h", NOW).range == "24h"  # the dashboard's default


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"range": "3d"}, "range must be one of"),
        ({"range": "custom", "from": "yesterday", "to": "2025-01-01"}, "from must be an ISO 8601"),
        ({"range": "custom", "from": "2025-02-02", "to": "2025-02-01"}, "from must be before to"),
    ],
)
def test_a_bad_view_is_a_bad_request(params, message):
    with pytest.raises(BadInput, match=message):
        view_from(params, [], "1h", NOW)


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (timedelta(minutes=15), 60),
        (timedelta(hours=1), 60),
        (timedelta(hours=24), 900),
        (timedelta(days=7), 7200),
        (timedelta(days=365), 7 * 86400),
    ],
)
def test_auto_interval_keeps_a_chart_readable(span, step):
    assert auto_interval(NOW - span, NOW) == step


def test_every_panel_becomes_named_aggregations(lexicon):
    board = definition.load(None, lexicon)["geopolitical"]
    view = view_from({"range": "1h"}, ["country:SY"], "1h", NOW)
    request = request_for(board, view, lexicon, exclude=frozenset({"x"}))
    aggs = request.aggregations
    assert aggs["total"] == Count()
    assert aggs["rate/"] == DateHistogram(60)
    assert aggs["mentions/Q2429253"] == DateHistogram(60, Filter("concept", "Q2429253"))
    assert aggs["mentions/airstrike"].filter == Filter("concept", "airstrike")
    assert aggs["events"] == Terms("events", 10)
    assert aggs["map/countries"].field == "countries" and aggs["map/places"] == Terms("places", 50)
    assert aggs["latest"] == Latest(15)
    assert "alerts" not in aggs  # fed from the alert log, not the store
    assert request.time_field == "ingested_at" and (request.since, request.until) == (
        view.since,
        view.until,
    )
    assert request.query.root == Filter("country", "SY") and request.exclude == frozenset({"x"})


def test_a_panel_filter_narrows_its_series(lexicon):
    board = definition.Dashboard.model_validate(
        {
            "id": "b",
            "title": "B",
            "panels": [
                {
                    "id": "h",
                    "title": "H",
                    "kind": "date_histogram",
                    "filter": "lang:ar",
                    "series": ["SY"],
                    "interval": "1h",
                }
            ],
        }
    )
    view = view_from({"range": "24h"}, [], "1h", NOW)
    agg = request_for(board, view, lexicon).aggregations["h/SY"]
    assert agg == DateHistogram(3600, And((Filter("lang", "ar"), Filter("concept", "SY"))))


def test_merge_adds_the_live_articles_to_the_stores_answer(lexicon):
    articles = corpus()
    board = definition.load(None, lexicon)["geopolitical"]
    request = request_for(board, view_from({"range": "1h"}, [], "1h", NOW), lexicon)
    stored = Aggregated(
        buckets={
            "total": [("count", 10)],
            "events": [("airstrike", 3), ("bombing", 1)],
            "rate/": [("2026-03-01T11:59:00Z", 2), ("2026-03-01T12:00:00Z", 0)],
        },
        articles={
            "latest": [
                a.model_copy(update={"ingested_at": NOW - timedelta(minutes=i + 1)})
                for i, a in enumerate(articles[:3])
            ]
        },
    )
    fresh = Aggregated(
        buckets={
            "total": [("count", 2)],
            "events": [("shelling", 2), ("bombing", 1)],
            "rate/": [("2026-03-01T12:00:00Z", 2)],
        },
        articles={"latest": [articles[5].model_copy(update={"ingested_at": NOW})]},
    )
    merged = merge(stored, fresh, request)
    assert merged.buckets["total"] == [("count", 12)]
    assert merged.buckets["events"] == [("airstrike", 3), ("bombing", 2), ("shelling", 2)]
    assert merged.buckets["rate/"] == [("2026-03-01T11:59:00Z", 2), ("2026-03-01T12:00:00Z", 2)]
    assert [a.id for a in merged.articles["latest"]][:2] == [articles[5].id, articles[0].id]


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.test/a", True),
        ("HTTP://example.test", True),
        ("javascript:alert(1)", False),
        (" JavaScript:x", False),
        ("data:text/html,x", False),
        (None, False),
    ],
)
def test_only_web_links_become_links(url, kept):
    assert (safe_url(url) is not None) is kept


def test_a_card_carries_language_and_direction(lexicon):
    arabic = card(corpus()[0], lexicon, "en")
    assert (arabic["language"], arabic["dir"]) == ("ar", "rtl")
    assert card(corpus()[0], lexicon, "ar")["tags"][0]["label"] != "Airstrike"  # Arabic labels
    undetermined = card(Article(text="x"), lexicon, "en")
    assert (undetermined["language"], undetermined["dir"]) == ("und", "auto")


def test_marks_cut_the_text_at_every_span_boundary_and_keep_offsets():
    title, text = (
        "Strikes on Raqqa",
        "Jets struck Raqqa.\n\nIslamic State fighters left Raqqa city.",
    )
    body = f"{title}\n\n{text}"
    tags = [
        Tag(
            kind="place",
            id="163345",
            label="Raqqa",
            spans=[Span(start=m, end=m + 5, text="Raqqa") for m in (11, 30, 66)],
        ),
        Tag(
            kind="actor",
            id="Q2429253",
            label="Islamic State",
            spans=[Span(start=38, end=51, text="Islamic State")],
        ),
        Tag(
            kind="keyword",
            id="k",
            label="Raqqa city",
            spans=[Span(start=66, end=76, text="Raqqa city")],
        ),
    ]
    assert [body[s.start : s.end] for t in tags for s in t.spans][:4] == ["Raqqa"] * 3 + [
        "Islamic State"
    ]
    blocks = paragraphs(Article(title=title, text=text, tags=tags))
    assert len(blocks) == 3  # the title, then two paragraphs
    for block in blocks:
        for piece in block:
            assert body[piece.start : piece.end] == piece.text
    marked = [(p.text, p.tags) for block in blocks for p in block if p.tags]
    assert marked == [
        ("Raqqa", (0,)),
        ("Raqqa", (0,)),
        ("Islamic State", (1,)),
        ("Raqqa", (0, 2)),
        (" city", (2,)),
    ]
    assert "".join(p.text for p in blocks[2]) == "Islamic State fighters left Raqqa city."


def test_the_search_histogram_has_every_bucket_between_the_first_and_the_last():
    assert filled([("2015-10-01", 1), ("2015-10-04", 2)], "day") == [
        ("2015-10-01", 1), ("2015-10-02", 0), ("2015-10-03", 0), ("2015-10-04", 2)
    ]  # fmt: skip
    assert filled([("2015-09-28", 3), ("2015-10-12", 1)], "week") == [
        ("2015-09-28", 3), ("2015-10-05", 0), ("2015-10-12", 1)
    ]  # fmt: skip
    assert filled([("2015-11", 1), ("2016-02", 4)], "month") == [
        ("2015-11", 1), ("2015-12", 0), ("2016-01", 0), ("2016-02", 4)
    ]  # fmt: skip
    assert filled([("2015-11", 1)], "month") == [("2015-11", 1)]
