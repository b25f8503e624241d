"""The dashboard and JSON API over a search store (any store: the CLI passes it in)."""
from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from rasad.concepts import Lexicon
from rasad.errors import BadInput, StoreError
from rasad.query import parse
from rasad.store import SearchRequest, SearchResult, Store

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
MAX_PAGE_SIZE = 100


def create_app(store: Store, lexicon: Lexicon, extra_routes: list[Route] | None = None) -> Starlette:
    """The ASGI app: ``/`` (the page), ``/api/search``, ``/api/articles/{id}``, ``/api/health``."""

    labels = {cid: concept.label for cid, concept in lexicon.concepts.items()}

    def run_search(request: Request) -> SearchResult:
        params = request.query_params
        try:
            page = max(1, int(params.get("page", 1)))
            size = min(MAX_PAGE_SIZE, max(1, int(params.get("size", 20))))
        except ValueError as exc:
            raise BadInput("page and size must be integers", reason="bad_request") from exc
        sort = params.get("sort", "relevance")
        interval = params.get("interval", "day")
        if sort not in ("relevance", "date") or interval not in ("day", "week", "month"):
            raise BadInput("sort must be relevance or date; interval day, week or month", reason="bad_request")
        query = parse(params.get("q", ""), lexicon)
        return store.search(SearchRequest(query, page=page, size=size, sort=sort, histogram=interval))

    async def home(request: Request) -> Response:
        error = None
        try:
            result = run_search(request)
        except BadInput as exc:
            result, error = SearchResult(0, []), str(exc)
        params = request.query_params
        return TEMPLATES.TemplateResponse(request, "index.html", {
            "q": params.get("q", ""), "sort": params.get("sort", "relevance"), "page": int(params.get("page", 1) or 1)
            if str(params.get("page", "1")).isdigit() else 1, "result": result, "error": error, "total": store.count(),
            "labels": labels, "peak": max((n for _, n in result.histogram), default=1),
        })

    async def api_search(request: Request) -> Response:
        try:
            result = await run_in_threadpool(run_search, request)
        except BadInput as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except StoreError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return JSONResponse(result_json(result))

    async def api_article(request: Request) -> Response:
        article = store.get(request.path_params["article_id"])
        if article is None:
            return JSONResponse({"error": "no such article"}, status_code=404)
        return JSONResponse(article.model_dump(mode="json", exclude={"raw"}, exclude_none=True))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "store": store.url, "articles": store.count()})

    routes = [
        Route("/", home),
        Route("/api/search", api_search),
        Route("/api/articles/{article_id}", api_article),
        Route("/api/health", health),
        *(extra_routes or []),
    ]
    return Starlette(routes=routes)


def result_json(result: SearchResult) -> dict:
    """The JSON shape of a search result (the API and ``rasad search --json`` share it)."""
    return {
        "total": result.total,
        "took_ms": round(result.took_ms, 1),
        "hits": [
            {"id": h.article.id, "title": h.article.title, "source": h.article.source, "url": h.article.url,
             "language": h.article.language,
             "published_at": h.article.published_at.isoformat() if h.article.published_at else None,
             "score": round(h.score, 4), "highlights": h.highlights,
             "tags": [{"kind": t.kind, "id": t.id, "label": t.label} for t in h.article.tags]}
            for h in result.hits
        ],
        "facets": {name: [{"value": v, "count": n} for v, n in buckets] for name, buckets in result.facets.items()},
        "histogram": [{"date": d, "count": n} for d, n in result.histogram],
    }
