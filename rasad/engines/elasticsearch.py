"""Elasticsearch through elasticsearch-py 8: the client, and its exceptions as ``EngineError``.

The client checks that the server is Elastic's (a ``X-Elastic-Product`` header), so this talks
to Elasticsearch only, never to OpenSearch. Readiness is never checked with ``ping()`` or
``info()``: a bare node (the local stack's) has no root endpoint and answers ``GET /`` with 405.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

from elasticsearch import ApiError, AsyncElasticsearch, Elasticsearch, helpers
from elasticsearch.exceptions import SerializationError, TransportError
from elasticsearch.helpers import BulkIndexError

from rasad.addresses import StoreAddress
from rasad.engines import AsyncSearchEngine, EngineError, SearchEngine, failure, items_failed


def _options(address: StoreAddress) -> dict[str, Any]:
    options = address.client_options(auth="basic_auth")
    if address.api_key:
        options["api_key"] = address.api_key
    # The client takes a missing CA bundle as "not given", not as None.
    return {name: value for name, value in options.items() if value is not None}


def _failure(exc: Exception, what: str) -> EngineError | None:
    if isinstance(exc, TransportError) and not isinstance(exc, SerializationError):
        # refused, timed out, TLS: no HTTP answer
        return failure(f"{what}: Elasticsearch unreachable ({exc.__class__.__name__}: {exc})", None)
    if isinstance(exc, BulkIndexError):
        return items_failed(what, exc.errors)
    if isinstance(exc, ApiError):
        return failure(f"{what} failed: {exc}", exc.meta.status, _kind(exc))
    return None


def _kind(exc: ApiError) -> str:
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    return str(error.get("type", "")) if isinstance(error, dict) else ""


class ElasticsearchEngine(SearchEngine):
    """A synchronous elasticsearch-py client."""

    name = "Elasticsearch"
    helpers: ClassVar[ModuleType] = helpers

    def _connect(self, address: StoreAddress, timeout: float, connections: int) -> Any:
        return Elasticsearch(
            request_timeout=timeout, connections_per_node=connections, **_options(address)
        )

    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        return _failure(exc, what)

    def _plain(self, response: Any) -> Any:
        return response.body


class AsyncElasticsearchEngine(AsyncSearchEngine):
    """An async elasticsearch-py client (aiohttp) with its own retries off."""

    name = "Elasticsearch"

    def _connect(self, address: StoreAddress, timeout: float) -> Any:
        return AsyncElasticsearch(
            request_timeout=timeout, max_retries=0, retry_on_timeout=False, **_options(address)
        )

    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        return _failure(exc, what)

    def _plain(self, response: Any) -> Any:
        return response.body
