"""The JSON API: search and its export, articles, stories, dashboards' data and live streams."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from dashboards import export as exports
from dashboards.definition import Dashboard
from dashboards.panels import card, merge, panels_json, request_for
from dashboards.results import result_json
from dashboards.search import search_request, story_query
from dashboards.templates import interface
from dashboards.view import View, view_from
from rasad.errors import BadInput, StoreError
from rasad.model import utcnow
from rasad.query import parse
from rasad.store import Store

MIN_PUSH_INTERVAL = 0.25  # s between two pushes to one page (a burst of articles is one update)
TICK = 5.0  # s: a moving range slides (and new alerts show) even when no article arrives


async def search(request: Request) -> Response:
    store: Store = request.app.state.store
    result = await run_in_threadpool(store.search, search_request(request))
    return JSONResponse(result_json(result))


async def export(request: Request) -> Response:
    """Every hit of ``?q=`` as ``?format=csv|jsonl|geojson``, streamed (not one page)."""
    name = request.query_params.get("format", "csv")
    if name not in exports.FORMATS:
        raise BadInput(f"format must be one of {', '.join(exports.FORMATS)}", reason="bad_request")
    media_type, lines = exports.FORMATS[name]
    query = parse(request.query_params.get("q", ""), request.app.state.lexicon)
    store: Store = request.app.state.store
    articles = store.scan(query)
    first = await run_in_threadpool(next, articles, None)  # a store that is down fails here: 503
    chunks = exports.chunks(lines(_prepend(first, articles)))
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="rasad-export.{name}"'},
    )


def _prepend(first: Any, rest: Any) -> Any:
    if first is not None:
        yield first
        yield from rest


async def article(request: Request) -> Response:
    store: Store = request.app.state.store
    found = await run_in_threadpool(store.get, request.path_params["article_id"])
    if found is None:
        raise HTTPException(404, "no such article")
    return JSONResponse(
        found.model_dump(mode="json", exclude={"raw", "normalized"}, exclude_none=True)
    )


async def story(request: Request) -> Response:
    """The articles of one story, oldest first (up to 100)."""
    store: Store = request.app.state.store
    found = await run_in_threadpool(store.search, story_query(request.path_params["story_id"]))
    if not found.total:
        raise HTTPException(404, "no such story")
    ui = interface(request)
    cards = [card(h.article, request.app.state.lexicon, ui) for h in reversed(found.hits)]
    return JSONResponse(
        {"story_id": request.path_params["story_id"], "total": found.total, "articles": cards}
    )


async def dashboards(request: Request) -> Response:
    """Every dashboard's definition (the shipped ones and the user's)."""
    boards: dict[str, Dashboard] = request.app.state.boards
    return JSONResponse({"dashboards": [b.model_dump(mode="json") for b in boards.values()]})


def board_and_view(request: Request) -> tuple[Dashboard, View]:
    """The dashboard named in the path and the view its query string asks for."""
    boards: dict[str, Dashboard] = request.app.state.boards
    board = boards.get(request.path_params.get("board_id", request.app.state.default_board))
    if board is None:
        raise HTTPException(404, "no such dashboard")
    view = view_from(request.query_params, request.query_params.getlist("f"), board.range, utcnow())
    return board, view


async def dashboard_data(request: Request) -> Response:
    """Every panel's data for the view in the query string (one store request)."""
    board, view = board_and_view(request)
    return JSONResponse(await compute(request, board, view))


async def compute(request: Request, board: Dashboard, view: View) -> dict[str, Any]:
    """The panels' data: the store's answer plus the live view's articles not yet in it."""
    state = request.app.state
    started = time.perf_counter()
    wanted = request_for(board, view, state.lexicon)
    fresh_ids, fresh = (
        await run_in_threadpool(state.live.snapshot, wanted) if state.live else (frozenset(), None)
    )
    main = await run_in_threadpool(state.store.aggregate, replace(wanted, exclude=fresh_ids))
    result = merge(main, fresh, wanted) if fresh is not None else main
    alerts = []
    if any(p.kind == "alerts" for p in board.panels):
        alerts = await run_in_threadpool(state.alerts_log, 50)
    ui = interface(request)
    return {
        "dashboard": board.id,
        "view": {
            "q": view.q,
            "filters": list(view.filters),
            "range": view.range,
            "since": view.since.isoformat(),
            "until": view.until.isoformat(),
        },
        "panels": panels_json(board, view, result, state.lexicon, ui, alerts),
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "store_ms": round(result.took_ms, 1),
    }


async def dashboard_live(request: Request) -> Response:
    """Server-sent events: ``data`` (every panel) at once, then on each change and every TICK s."""
    board, view = board_and_view(request)
    request_for(board, view, request.app.state.lexicon)  # a bad query is a 400 now, not in-stream
    return StreamingResponse(
        _events(request, board, view),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, board: Dashboard, view: View) -> AsyncIterator[str]:
    live = request.app.state.live
    version = live.version if live else 0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        pushed = time.monotonic()
        try:
            data = await compute(request, board, view.moved(utcnow()))
            yield f"event: data\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        except StoreError as exc:  # keep the stream: the page shows why and keeps its last data
            problem = {"error": f"the search store is unavailable: {exc}"}
            yield f"event: problem\ndata: {json.dumps(problem)}\n\n"
        if not view.live:
            await asyncio.sleep(TICK)
            continue
        await asyncio.sleep(max(0.0, MIN_PUSH_INTERVAL - (time.monotonic() - pushed)))
        if live:
            version = await live.wait(version, TICK)
        else:
            await asyncio.sleep(TICK)


async def health(request: Request) -> Response:
    store: Store = request.app.state.store
    try:
        count = await run_in_threadpool(store.count)
    except StoreError as exc:
        return JSONResponse(
            {"status": "store unavailable", "store": store.url, "error": str(exc)}, status_code=503
        )
    return JSONResponse({"status": "ok", "store": store.url, "articles": count})
