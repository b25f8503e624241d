"""A search as the URL asks for it, a story as a search, and a histogram with every bucket."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request

from rasad.errors import BadInput
from rasad.query import Filter, Query, canonical_filter, parse
from rasad.store import SearchRequest

MAX_PAGE_SIZE = 100
MAX_DEPTH = 10_000  # page × size: deeper paging is refused (OpenSearch's window is 10,000 hits)
PAGE_SIZE = 20
STORY_SIZE = 100


def search_request(request: Request) -> SearchRequest:
    """The search a request's query string asks for; ``BadInput`` naming what is wrong."""
    params = request.query_params
    try:
        page = int(params.get("page", 1))
        size = int(params.get("size", PAGE_SIZE))
    except ValueError as exc:
        raise BadInput("page and size must be integers", reason="bad_request") from exc
    if not (page >= 1 and 1 <= size <= MAX_PAGE_SIZE) or page * size > MAX_DEPTH:
        raise BadInput(
            f"page ≥ 1, size 1–{MAX_PAGE_SIZE} and page × size ≤ {MAX_DEPTH}", reason="bad_request"
        )
    sort = params.get("sort", "relevance")
    interval = params.get("interval", "day")
    if sort not in ("relevance", "date") or interval not in ("day", "week", "month"):
        raise BadInput(
            "sort must be relevance or date; interval day, week or month", reason="bad_request"
        )
    query = parse(params.get("q", ""), request.app.state.lexicon)
    return SearchRequest(query, page=page, size=size, sort=sort, histogram=interval)  # type: ignore[arg-type]


def story_query(story_id: str) -> SearchRequest:
    """Every article of one story (up to ``STORY_SIZE``), newest first."""
    text = f"story:{story_id}"
    query = Query(text, Filter("story", canonical_filter("story", story_id)))
    return SearchRequest(query, size=STORY_SIZE, sort="date", histogram=None)


def filled(histogram: list[tuple[str, int]], interval: str) -> list[tuple[str, int]]:
    """Every bucket from the first to the last (empty ones as 0), keys as the store gives them."""
    if len(histogram) < 2:
        return histogram
    counts = dict(histogram)
    out = []
    day = _day(histogram[0][0])
    last = _day(histogram[-1][0])
    while day <= last:
        key = day.isoformat()[:7] if interval == "month" else day.isoformat()
        out.append((key, counts.get(key, 0)))
        day = _next(day, interval)
    return out


def _day(key: str) -> date:
    return date.fromisoformat(key if len(key) == 10 else key + "-01")


def _next(day: date, interval: str) -> date:
    if interval == "day":
        return day + timedelta(days=1)
    if interval == "week":
        return day + timedelta(days=7)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
