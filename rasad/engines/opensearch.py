"""OpenSearch through opensearch-py: the client, and its exceptions as ``EngineError``."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

from opensearchpy import AsyncOpenSearch, OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import TransportError
from opensearchpy.helpers import BulkIndexError

from rasad.addresses import StoreAddress
from rasad.engines import AsyncSearchEngine, EngineError, SearchEngine, failure, items_failed
from rasad.errors import ConfigError


def _options(address: StoreAddress) -> dict[str, Any]:
    if address.api_key:
        raise ConfigError(
            "OpenSearch takes a user and password, not an API key (RASAD_STORE_API_KEY)"
        )
    return address.client_options(auth="http_auth")


def _failure(exc: Exception, what: str) -> EngineError | None:
    if isinstance(exc, Unreachable):  # a TransportError without a status: check it first
        return failure(f"{what}: OpenSearch unreachable ({exc.__class__.__name__}: {exc})", None)
    if isinstance(exc, BulkIndexError):
        return items_failed(what, exc.errors)
    if isinstance(exc, TransportError):
        status = exc.status_code if isinstance(exc.status_code, int) else None
        return failure(f"{what} failed: {exc}", status, str(exc.error))
    return None


class OpenSearchEngine(SearchEngine):
    """A synchronous opensearch-py client."""

    name = "OpenSearch"
    helpers: ClassVar[ModuleType] = helpers

    def _connect(self, address: StoreAddress, timeout: float, connections: int) -> Any:
        return OpenSearch(timeout=timeout, pool_maxsize=connections, **_options(address))

    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        return _failure(exc, what)


class AsyncOpenSearchEngine(AsyncSearchEngine):
    """An async opensearch-py client (aiohttp) with its own retries off."""

    name = "OpenSearch"

    def _connect(self, address: StoreAddress, timeout: float) -> Any:
        return AsyncOpenSearch(
            timeout=timeout, max_retries=0, retry_on_timeout=False, **_options(address)
        )

    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        return _failure(exc, what)
