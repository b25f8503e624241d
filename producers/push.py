"""HTTP push: ``POST /api/articles``: an article, a JSON array of them, or ``{"articles": […]}``.

Answers 202 ``{"ids": [...], "sent": n, "duplicates": n}`` once the bus acknowledged every
article; 400 with the reason when the body is not JSON (or nests too deep, or holds a lone
surrogate) or an article is invalid (a batch is accepted whole or not at all: each bad item's
index and reason are listed); what was refused goes to the dead-letter topic with the reason
(the body, or each bad item); 413 when the body or the batch is too large; 401/403 without
the token; 503 when the bus failed. A bad request is never a 5xx.

The endpoint is a module-level function reading ``request.app.state.push``; ``install`` puts
that there and adds the exception handlers that turn errors into these answers (the dashboard
app's own handlers, when present, are kept). The token (``RASAD_HTTP_PUSH_TOKEN``) is required
whenever one is set, and always when the server listens beyond loopback: until it is set, the
endpoint refuses every call there.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from producers.jsonl import article_from_obj
from producers.publisher import Producer
from producers.sources import Item
from rasad import payload
from rasad.errors import BadInput, BusError

log = logging.getLogger(__name__)
MAX_BATCH = 1000


@dataclass(frozen=True)
class Push:
    """What the endpoint needs, kept in ``app.state.push``."""

    producer: Producer
    max_bytes: int
    max_batch: int = MAX_BATCH
    token: str = ""
    open: bool = True  # no token needed (loopback only, and none set)


class InvalidBatch(BadInput):
    """Some articles of a request are invalid: nothing was accepted."""

    def __init__(self, problems: list[dict], total: int):
        super().__init__(
            f"{len(problems)} of {total} articles are invalid; nothing was accepted",
            reason="invalid_article",
        )
        self.problems = problems


def install(
    app: Starlette,
    producer: Producer,
    max_bytes: int,
    token: str = "",
    host: str = "127.0.0.1",
    max_batch: int = MAX_BATCH,
) -> None:
    """Serve the push endpoint's state and error answers on ``app`` (mount ``ROUTES`` too).

    ``host``: the address the server listens on; beyond loopback the token is required.
    """
    app.state.push = Push(producer, max_bytes, max_batch, token, open=not token and loopback(host))
    handlers = {
        InvalidBatch: _invalid_batch,
        BadInput: _bad_request,
        BusError: _bus_failed,
        HTTPException: _http_error,
    }
    for kind, handler in handlers.items():
        if kind is InvalidBatch or kind not in app.exception_handlers:
            app.add_exception_handler(kind, handler)


def loopback(host: str) -> bool:
    """True when ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


async def post_articles(request: Request) -> Response:
    """Validate the body's articles and send them to the raw topic (see the module doc)."""
    push: Push = request.app.state.push
    _authorize(request, push)
    body = await _read_body(request, push.max_bytes)
    # Decoding and reading the articles of a big body take tens of milliseconds (a 14 MB batch
    # ~90 ms): done off the event loop, so the server's other connections are not held meanwhile.
    try:
        value = await _off_loop(body, payload.decode, body)
    except BadInput as exc:
        refused = BadInput(f"body is {exc}", reason=exc.reason)
        origin = f"http://{request.client.host if request.client else 'unknown'}/api/articles"
        await run_in_threadpool(push.producer.send, [Item(origin, error=refused, raw=body)])
        raise refused from exc
    objects = value.get("articles") if isinstance(value, dict) and "articles" in value else value
    objects = objects if isinstance(objects, list) else [objects]
    if not objects:
        raise BadInput("no articles in the request", reason="empty")
    if len(objects) > push.max_batch:
        raise HTTPException(
            413, f"batch of {len(objects)} articles, over the limit of {push.max_batch}"
        )
    items, problems = await _off_loop(body, _items, objects, request)
    if problems:
        await run_in_threadpool(push.producer.send, [i for i in items if i.error is not None])
        raise InvalidBatch(problems, len(objects))
    summary = await run_in_threadpool(push.producer.send, items)
    if summary.errors:
        raise BusError(f"the bus did not acknowledge: {summary.errors[0]}")
    ids = [i.article.id for i in items if i.article is not None]
    return JSONResponse(
        {"ids": ids, "sent": summary.sent, "duplicates": summary.duplicates}, status_code=202
    )


ROUTES = [Route("/api/articles", post_articles, methods=["POST"])]


def _authorize(request: Request, push: Push) -> None:
    if push.open:
        return
    if not push.token:
        raise HTTPException(
            403,
            "the push endpoint listens beyond loopback: set RASAD_HTTP_PUSH_TOKEN and send it "
            "as 'Authorization: Bearer <token>'",
        )
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), push.token.encode()):
        raise HTTPException(401, "missing or wrong token")


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(413, f"request body over the {max_bytes / 2**20:g} MB limit")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:  # a chunked body has no Content-Length: count as it arrives
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


T = TypeVar("T")
_OFF_LOOP_BYTES = 64 * 1024  # smaller bodies are read at once: a thread hop would cost more


async def _off_loop(body: bytes, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in the thread pool when ``body`` is big, else right here."""
    if len(body) < _OFF_LOOP_BYTES:
        return work(*args)
    return await run_in_threadpool(work, *args)


def _items(objects: list, request: Request) -> tuple[list[Item], list[dict]]:
    client = request.client.host if request.client else "unknown"
    items, problems = [], []
    for index, obj in enumerate(objects):
        origin = f"http://{client}/api/articles[{index}]"
        raw = json.dumps(obj, ensure_ascii=False).encode()  # decoded by rasad.payload: encodable
        try:
            article = article_from_obj(obj, source=f"push:{client}")
            items.append(
                Item(origin, article=article.model_copy(update={"raw": raw.decode()}), raw=raw)
            )
            continue
        except BadInput as exc:
            error = BadInput(f"{origin}: {exc}", reason=exc.reason)
        except Exception as exc:  # a bug an input triggers: still the client's 400, and logged
            log.exception("push: cannot read %s", origin)
            error = BadInput(f"{origin}: cannot read it ({type(exc).__name__})", reason="failed")
        items.append(Item(origin, error=error, raw=raw))
        problems.append({"index": index, "reason": error.reason, "error": str(error)})
    return items, problems


async def _invalid_batch(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidBatch)
    return JSONResponse({"error": str(exc), "problems": exc.problems}, status_code=400)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=400)


async def _bus_failed(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=503)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
