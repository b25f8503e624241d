"""The HTML pages: a dashboard (the overview is the default one), search, an article, a story.

Dashboards are drawn in the browser from ``/api/dashboards/{id}/data`` and kept live by
``/api/dashboards/{id}/live``; the other pages are rendered here. Article text reaches the
page only through Jinja's escaping or the scripts' ``textContent``: nothing in an article is
ever markup, and only http(s) links become links.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from dashboards import i18n
from dashboards.api import board_and_view
from dashboards.definition import Dashboard
from dashboards.marks import paragraphs
from dashboards.panels import card, safe_url
from dashboards.search import PAGE_SIZE, filled, search_request, story_query
from dashboards.templates import TEMPLATES, page_context, remember_interface
from rasad.errors import BadInput
from rasad.model import Tag
from rasad.store import SearchResult, Store

# a tag's kind -> the query filter that finds other articles with it
TAG_FILTER = {"event": "type", "actor": "actor", "place": "place", "keyword": "concept"}


async def overview(request: Request) -> Response:
    """The landing page: the default dashboard, live."""
    return await dashboard(request)


async def dashboard(request: Request) -> Response:
    board, view = board_and_view(request)
    context = page_context(request)
    ui = context["ui"]
    config = {
        "id": board.id,
        "panels": [_panel_config(p, ui) for p in board.panels],
        "view": {
            "q": view.q,
            "filters": list(view.filters),
            "range": view.range,
            "from": view.since.isoformat() if view.range == "custom" else "",
            "to": view.until.isoformat() if view.range == "custom" else "",
        },
        "ui": ui,
        "messages": context["messages"],
    }
    response = TEMPLATES.TemplateResponse(
        request,
        "dashboard.html",
        {**context, "board": board, "title": _title(board, ui), "view": view, "config": config},
    )
    return remember_interface(request, response)


def _title(board: Dashboard, ui: str) -> str:
    return board.title_ar if ui == "ar" and board.title_ar else board.title


def _panel_config(panel: Any, ui: str) -> dict[str, Any]:
    return {
        "id": panel.id,
        "kind": panel.kind,
        "chart": panel.chart,
        "title": panel.title_ar if ui == "ar" and panel.title_ar else panel.title,
        "width": panel.width,
        "field": panel.field,
    }


async def search(request: Request) -> Response:
    """Search: results with highlights and facets, a histogram, paging, exports."""
    store: Store = request.app.state.store
    params = request.query_params
    context = page_context(request)
    error = None
    try:
        wanted = search_request(request)
        result = await run_in_threadpool(store.search, wanted)
    except BadInput as exc:  # shown on the page, beside the search box that caused it
        wanted, result, error = None, SearchResult(0, []), str(exc)
    interval = params.get("interval", "day")
    page = wanted.page if wanted else 1
    size = wanted.size if wanted else PAGE_SIZE
    ui = context["ui"]
    response = TEMPLATES.TemplateResponse(
        request,
        "search.html",
        {
            **context,
            "q": params.get("q", ""),
            "sort": params.get("sort", "relevance"),
            "interval": interval,
            "page": page,
            "size": size,
            "pages": max(1, -(-result.total // size)),
            "result": result,
            "error": error,
            "filter_of": {
                "language": "lang",
                "event": "type",
                "concept": "actor",
                "country": "country",
                "source": "source",
            },
            "label": lambda value: i18n.concept_label(request.app.state.lexicon, value, ui),
            "histogram": {"interval": interval, "buckets": filled(result.histogram, interval)},
            "safe_url": safe_url,
        },
    )
    return remember_interface(request, response)


async def article(request: Request) -> Response:
    """One article: its text with every tag marked where it was found, its tags, its times."""
    store: Store = request.app.state.store
    found = await run_in_threadpool(store.get, request.path_params["article_id"])
    if found is None:
        raise HTTPException(404, "no such article")
    context = page_context(request)
    blocks = paragraphs(found)
    has_title = bool(found.title)
    tags = found.tags
    response = TEMPLATES.TemplateResponse(
        request,
        "article.html",
        {
            **context,
            "a": found,
            "dir": i18n.direction(found.language),
            "title_pieces": blocks[0] if has_title and blocks else [],
            "paragraphs": blocks[1:] if has_title else blocks,
            "tags": tags,
            "links": {t.id: reference(t) for t in tags},
            "url": safe_url(found.url),
            "label": lambda t: i18n.concept_label(request.app.state.lexicon, t.id, context["ui"]),
            "tag_filter": TAG_FILTER,
        },
    )
    return remember_interface(request, response)


def reference(tag: Tag) -> tuple[str, str] | None:
    """(vocabulary, URL) of a tag's id: Wikidata (Q-ids), GeoNames (geonames:N), ISO (countries)."""
    if tag.id[:1] == "Q" and tag.id[1:].isdigit():
        return "Wikidata", f"https://www.wikidata.org/wiki/{tag.id}"
    number = tag.id.removeprefix("geonames:")
    if number.isdigit():
        return "GeoNames", f"https://www.geonames.org/{number}"
    if len(tag.id) == 2 and tag.id.isalpha() and tag.kind == "place":
        return "ISO 3166", f"https://www.iso.org/obp/ui/#iso:code:3166:{tag.id.upper()}"
    return None


async def story(request: Request) -> Response:
    """All articles of one story, across sources and languages, on a timeline."""
    store: Store = request.app.state.store
    story_id = request.path_params["story_id"]
    found = await run_in_threadpool(store.search, story_query(story_id))
    if not found.total:
        raise HTTPException(404, "no such story")
    context = page_context(request)
    cards = [
        card(h.article, request.app.state.lexicon, context["ui"]) for h in reversed(found.hits)
    ]
    response = TEMPLATES.TemplateResponse(
        request,
        "story.html",
        {**context, "story_id": story_id, "total": found.total, "cards": cards},
    )
    return remember_interface(request, response)
