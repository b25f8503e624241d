"""The dashboard and JSON API over a search store (any store: the composition root passes it in).

Endpoints are module-level functions reading what they need from ``request.app.state``
(``store``, ``lexicon``, ``labels``); blocking store calls run on the thread pool, never on the
event loop. Errors are turned into answers in one place, the exception handlers: a bad query
or parameter is a 400, a store that is down a 503 — a page for the browser, JSON for the API.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from dashboards.results import result_json
from rasad.concepts import Lexicon
from rasad.errors import BadInput, StoreError
from rasad.query import parse
from rasad.store import SearchRequest, SearchResult, Store

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
MAX_PAGE_SIZE = 100
MAX_DEPTH = 10_000  # page × size: deeper paging is refused (OpenSearch's window is 10,000 hits)


def create_app(
    store: Store, lexicon: Lexicon, extra_routes: list[BaseRoute] | None = None
) -> Starlette:
    """The ASGI app: ``/`` (the page), ``/api/search``, ``/api/articles/{id}``, ``/api/health``."""
    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/api/search", api_search),
        Route("/api/articles/{article_id}", api_article),
        Route("/api/health", health),
        *(extra_routes or []),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            BadInput: _bad_request,
            StoreError: _unavailable,
            HTTPException: _http_error,
        },
    )
    app.state.store = store
    app.state.lexicon = lexicon
    app.state.labels = {cid: concept.label for cid, concept in lexicon.concepts.items()}
    return app


def search_request(request: Request) -> SearchRequest:
    """The search a request's query string asks for; ``BadInput`` naming what is wrong."""
    params = request.query_params
    try:
        page = int(params.get("page", 1))
        size = int(params.get("size", 20))
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


async def home(request: Request) -> Response:
    store: Store = request.app.state.store
    params = request.query_params
    error = None
    try:
        search = search_request(request)
        result = await run_in_threadpool(store.search, search)
    except BadInput as exc:  # shown on the page, beside the search box that caused it
        search, result, error = None, SearchResult(0, []), str(exc)
    total = await run_in_threadpool(store.count)
    return TEMPLATES.TemplateResponse(
        request,
        "index.html",
        {
            "q": params.get("q", ""),
            "sort": params.get("sort", "relevance"),
            "page": search.page if search else 1,
            "result": result,
            "error": error,
            "total": total,
            "labels": request.app.state.labels,
            "peak": max((n for _, n in result.histogram), default=1),
        },
    )


async def api_search(request: Request) -> Response:
    store: Store = request.app.state.store
    result = await run_in_threadpool(store.search, search_request(request))
    return JSONResponse(result_json(result))


async def api_article(request: Request) -> Response:
    store: Store = request.app.state.store
    article = await run_in_threadpool(store.get, request.path_params["article_id"])
    if article is None:
        raise HTTPException(404, "no such article")
    return JSONResponse(article.model_dump(mode="json", exclude={"raw"}, exclude_none=True))


async def health(request: Request) -> Response:
    store: Store = request.app.state.store
    try:
        count = await run_in_threadpool(store.count)
    except StoreError as exc:
        return JSONResponse(
            {"status": "store unavailable", "store": store.url, "error": str(exc)}, status_code=503
        )
    return JSONResponse({"status": "ok", "store": store.url, "articles": count})


def _answer(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    page = {"status": status, "message": message}
    return TEMPLATES.TemplateResponse(request, "error.html", page, status_code=status)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _answer(request, 400, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return _answer(request, 503, f"the search store is unavailable: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _answer(request, exc.status_code, str(exc.detail))
