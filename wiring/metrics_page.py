"""``GET /metrics`` on the API: ``rasad.metrics`` in Prometheus' text format.

Each scrape first checks the search store (one count, off the event loop), so
``rasad_store_up{stage="api"}`` says whether the API can answer searches right now.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from rasad import metrics
from rasad.errors import StoreError
from rasad.store import Store


async def metrics_page(request: Request) -> Response:
    """The metrics page of the API process."""
    store: Store = request.app.state.store
    try:
        await run_in_threadpool(store.count)
        metrics.store_up("api")
    except StoreError:
        metrics.store_up("api", False)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
