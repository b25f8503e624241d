"""HTTP push: ``POST /api/articles`` with one article object, a JSON array of them, or ``{"articles": [...]}``.

Answers 202 ``{"ids": [...], "sent": n, "duplicates": n}`` once the bus acknowledged every
article; 400 with the reason (and, for a batch, each bad item's index) when the body is not
JSON or an article is invalid — a batch is accepted whole or not at all, the bad items go to the
dead-letter topic; 413 when the body or the batch is too large; 503 when the bus failed.
The CLI mounts these routes next to the dashboard's (``rasad serve``).
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from producers.jsonl import article_from_obj
from producers.publisher import Producer
from producers.sources import Item
from rasad.errors import BadInput

MAX_BATCH = 1000


class _TooLarge(Exception):
    pass


def push_routes(producer: Producer, max_bytes: int, max_batch: int = MAX_BATCH) -> list[Route]:
    """The push endpoint as starlette routes, sending through ``producer``."""

    async def post_articles(request: Request) -> JSONResponse:
        try:
            body = await _read_body(request, max_bytes)
        except _TooLarge:
            return _error(413, f"request body over the {max_bytes / 2**20:g} MB limit")
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _error(400, f"body is not JSON: {exc}")
        objects = (
            payload.get("articles")
            if isinstance(payload, dict) and "articles" in payload
            else payload
        )
        objects = objects if isinstance(objects, list) else [objects]
        if not objects:
            return _error(400, "no articles in the request")
        if len(objects) > max_batch:
            return _error(413, f"batch of {len(objects)} articles, over the limit of {max_batch}")
        items, problems = _items(objects, request)
        if problems:
            await run_in_threadpool(producer.send, [i for i in items if i.error is not None])
            return JSONResponse(
                {
                    "error": f"{len(problems)} of {len(objects)} articles are invalid; nothing was accepted",
                    "problems": problems,
                },
                status_code=400,
            )
        summary = await run_in_threadpool(producer.send, items)
        if summary.errors:
            return _error(503, f"the bus did not acknowledge: {summary.errors[0]}")
        return JSONResponse(
            {
                "ids": [i.article.id for i in items],
                "sent": summary.sent,
                "duplicates": summary.duplicates,
            },
            status_code=202,
        )

    return [Route("/api/articles", post_articles, methods=["POST"])]


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:  # a chunked body has no Content-Length: count as it arrives
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _items(objects: list, request: Request) -> tuple[list[Item], list[dict]]:
    client = request.client.host if request.client else "unknown"
    items, problems = [], []
    for index, obj in enumerate(objects):
        origin = f"http://{client}/api/articles[{index}]"
        raw = json.dumps(obj, ensure_ascii=False).encode()
        try:
            article = article_from_obj(obj, source=f"push:{client}")
            items.append(
                Item(origin, article=article.model_copy(update={"raw": raw.decode()}), raw=raw)
            )
        except BadInput as exc:
            items.append(
                Item(origin, error=BadInput(f"{origin}: {exc}", reason=exc.reason), raw=raw)
            )
            problems.append({"index": index, "reason": exc.reason, "error": str(exc)})
    return items, problems


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
