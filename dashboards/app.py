"""The dashboards, search, article and story pages and the JSON API over a search store.

Endpoints are module-level functions (``pages.py``, ``api.py``) reading what they need from
``request.app.state``: ``store``, ``lexicon``, ``boards`` (the dashboards by id), ``live``
(articles just seen on the bus, or None) and ``alerts_log`` (the latest alerts, read-only).
Blocking store calls run on the thread pool, never on the event loop. Errors are turned into
answers in one place, the exception handlers: a bad query or parameter is a 400, a store that
is down a 503 — a page with the message for the browser, JSON for the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dashboards import api, assets, definition, pages
from dashboards.definition import DEFAULT, Dashboard
from dashboards.live import Live
from dashboards.templates import TEMPLATES, page_context
from rasad.concepts import Lexicon
from rasad.errors import BadInput, StoreError
from rasad.store import Store

STATIC = Path(__file__).with_name("static")
AlertsLog = Callable[[int], list[dict[str, Any]]]


def create_app(
    store: Store,
    lexicon: Lexicon,
    extra_routes: Sequence[BaseRoute] | None = None,
    *,
    boards: dict[str, Dashboard] | None = None,
    live: Live | None = None,
    alerts_log: AlertsLog | None = None,
) -> Starlette:
    """The ASGI app: pages, ``/api/…``, the page assets and the charting libraries."""
    routes: list[BaseRoute] = [
        Route("/", pages.overview),
        Route("/dashboards/{board_id}", pages.dashboard),
        Route("/search", pages.search),
        Route("/articles/{article_id}", pages.article),
        Route("/stories/{story_id}", pages.story),
        Route("/api/search", api.search),
        Route("/api/search/export", api.export),
        Route("/api/articles/{article_id}", api.article),
        Route("/api/stories/{story_id}", api.story),
        Route("/api/dashboards", api.dashboards),
        Route("/api/dashboards/{board_id}/data", api.dashboard_data),
        Route("/api/dashboards/{board_id}/live", api.dashboard_live),
        Route("/api/health", api.health),
        Route("/vendor/{name:path}", assets.vendor),
        Mount("/assets", app=StaticFiles(directory=STATIC), name="assets"),
        *(extra_routes or []),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={
            BadInput: _bad_request,
            StoreError: _unavailable,
            HTTPException: _http_error,
        },
    )
    app.state.store = store
    app.state.lexicon = lexicon
    app.state.boards = boards if boards is not None else definition.load(None, lexicon)
    app.state.default_board = (
        DEFAULT if DEFAULT in app.state.boards else next(iter(app.state.boards))
    )
    app.state.live = live
    app.state.alerts_log = alerts_log or (lambda limit: [])
    return app


def _answer(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    context = {**page_context(request), "status": status, "message": message}
    return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=status)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _answer(request, 400, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return _answer(request, 503, f"the search store is unavailable: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _answer(request, exc.status_code, str(exc.detail))
