"""The search engines' clients behind one small interface: OpenSearch and Elasticsearch.

Both engines speak nearly the same REST API, but their Python clients differ in construction,
exceptions, response objects and helpers, and in which keyword arguments they take without a
deprecation warning. ``SearchEngine`` is the part of the API Rasad uses (index templates,
indices and aliases, documents, bulk, search) with plain ``dict`` answers and one exception
type, ``EngineError``. Its methods make only calls both clients accept (``body=``, query
parameters by name), so an engine's module (``rasad.engines.opensearch``,
``rasad.engines.elasticsearch``) only builds the client and translates its exceptions.

Both stores of the real stack are written once against this: the articles (``indexers/``) and
the alert rules (``alerts/rulestores/``). It is in the core because both stages use it, and
neither may import the other. The client libraries are imported by the engines' modules only,
when the store URL's scheme picks one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, ClassVar

from rasad.addresses import StoreAddress
from rasad.errors import StoreError

# Readers never create indices: a pattern or alias that matches nothing yet is an empty answer.
_MAYBE_MISSING = {"ignore_unavailable": True, "allow_no_indices": True}


class EngineError(StoreError):
    """A request the engine refused, or that got no answer.

    ``status`` is the HTTP status, None when the engine did not answer (refused connection,
    timeout, TLS failure); ``kind`` is the engine's error type when it gave one
    (``resource_already_exists_exception``, ``mapper_parsing_exception``, …).
    """

    def __init__(self, message: str, status: int | None = None, kind: str = ""):
        super().__init__(message)
        self.status = status
        self.kind = kind

    @property
    def retryable(self) -> bool:
        """True for failures worth another try: no answer, too many requests, server errors."""
        return self.status is None or retryable(self.status)


class NotFoundError(EngineError):
    """404: no such index, alias or document."""


class ConflictError(EngineError):
    """409: a document created with ``create`` exists already."""


def retryable(status: int) -> bool:
    """HTTP statuses worth another try: too many requests and server-side failures."""
    return status == 429 or status >= 500


def failure(message: str, status: int | None, kind: str = "") -> EngineError:
    """The ``EngineError`` for ``status``: ``NotFoundError`` (404), ``ConflictError`` (409)."""
    kinds = {404: NotFoundError, 409: ConflictError}
    return kinds.get(status or 0, EngineError)(message, status, kind)


def items_failed(what: str, errors: list[dict[str, Any]]) -> EngineError:
    """The ``EngineError`` for bulk items the engine refused (a helper's ``BulkIndexError``)."""
    first: dict[str, Any] = next(iter(errors[0].values()), {}) if errors else {}
    error = first.get("error")
    kind = error.get("type", "") if isinstance(error, dict) else ""
    return failure(
        f"{what}: {len(errors)} item(s) refused, first: {error}", first.get("status"), kind
    )


class SearchEngine(ABC):
    """A synchronous client of one engine (several threads may share it)."""

    name: ClassVar[str]  # for people: "OpenSearch", "Elasticsearch"
    helpers: ClassVar[ModuleType]  # the client library's helpers (bulk, scan)

    def __init__(self, address: StoreAddress, timeout: float = 30, connections: int = 10):
        """``timeout``: seconds per request; ``connections``: kept open per node."""
        self.address = address
        self.client: Any = self._connect(address, timeout, connections)

    @abstractmethod
    def _connect(self, address: StoreAddress, timeout: float, connections: int) -> Any:
        """The client library's client for ``address``."""

    @abstractmethod
    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        """The ``EngineError`` for an exception of the client library; None for any other."""

    def _plain(self, response: Any) -> Any:
        """A response as plain JSON values (the engine's module overrides it where needed)."""
        return response

    @contextmanager
    def _request(self, what: str) -> Iterator[None]:
        try:
            yield
        except EngineError:
            raise
        except Exception as exc:
            error = self._failure(exc, what)
            if error is None:
                raise
            raise error from exc

    # --- templates, indices, aliases ---

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        with self._request(f"putting index template {name}"):
            self.client.indices.put_index_template(name=name, body=body)

    def create_index(self, name: str, body: dict[str, Any]) -> bool:
        """Create index ``name``; False if it exists already (safe to race)."""
        try:
            with self._request(f"creating index {name}"):
                self.client.indices.create(index=name, body=body)
        except EngineError as exc:
            if exc.kind == "resource_already_exists_exception":
                return False
            raise
        return True

    def put_mapping(self, name: str, mapping: dict[str, Any]) -> None:
        """Add fields to an index's mapping (additive: safe to repeat)."""
        with self._request(f"updating the mapping of {name}"):
            self.client.indices.put_mapping(index=name, body=mapping)

    def index_exists(self, name: str) -> bool:
        with self._request(f"checking index {name}"):
            return bool(self.client.indices.exists(index=name))

    def indices(self, pattern: str) -> list[str]:
        """Names of the indices matching ``pattern`` (a wildcard may match none)."""
        with self._request(f"listing indices {pattern}"):
            return sorted(self._plain(self.client.indices.get(index=pattern, **_MAYBE_MISSING)))

    def aliased(self, alias: str) -> list[str]:
        """The indices behind ``alias`` (none if it does not exist yet)."""
        # Resolved as an index expression: a missing alias is an empty answer, not a 404 that
        # the client would log as a failed request.
        with self._request(f"reading alias {alias}"):
            found = self._plain(self.client.indices.get_alias(index=alias, **_MAYBE_MISSING))
        return sorted(name for name, body in found.items() if alias in body.get("aliases", {}))

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply alias actions atomically."""
        with self._request("updating aliases"):
            self.client.indices.update_aliases(body={"actions": actions})

    def delete_indices(self, names: Iterable[str]) -> None:
        """Delete indices by exact name (clusters refuse wildcards in deletes by default)."""
        names = sorted(names)
        if names:
            with self._request(f"deleting {', '.join(names)}"):
                self.client.indices.delete(index=",".join(names))

    def refresh(self, index: str) -> None:
        """Make what was indexed into ``index`` searchable."""
        with self._request(f"refreshing {index}"):
            self.client.indices.refresh(index=index, **_MAYBE_MISSING)

    # --- search ---

    def search(
        self,
        index: str,
        body: dict[str, Any],
        missing_ok: bool = False,
        request_cache: bool = False,
    ) -> dict[str, Any]:
        """One ``_search``; ``missing_ok``: an index that does not exist yet matches nothing;
        ``request_cache``: the shard request cache may answer (``size: 0`` bodies)."""
        options: dict[str, Any] = dict(_MAYBE_MISSING) if missing_ok else {}
        if request_cache:
            options["request_cache"] = True
        with self._request(f"search in {index}"):
            return dict(self._plain(self.client.search(index=index, body=body, **options)))

    def msearch(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The responses of a ``_msearch`` (header, body, header, body …), errors left in them."""
        with self._request("msearch"):
            return list(self._plain(self.client.msearch(body=searches))["responses"])

    def count(self, index: str) -> int:
        """Documents in ``index`` (0 if it does not exist yet)."""
        with self._request(f"count of {index}"):
            return int(self._plain(self.client.count(index=index, **_MAYBE_MISSING))["count"])

    def scan(
        self, index: str, query: dict[str, Any], size: int = 1000, missing_ok: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every hit of ``query`` in ``index``, in no particular order (scroll)."""
        options = _MAYBE_MISSING if missing_ok else {}
        with self._request(f"scan of {index}"):
            for hit in self.helpers.scan(
                self.client, index=index, query=query, size=size, **options
            ):
                yield dict(hit)

    # --- documents ---

    def put_document(
        self,
        index: str,
        doc_id: str,
        body: dict[str, Any],
        refresh: bool = False,
        create: bool = False,
    ) -> None:
        """Index one document; ``create``: ``ConflictError`` if the id exists (even unrefreshed)."""
        with self._request(f"indexing {doc_id} into {index}"):
            self.client.index(
                index=index,
                id=doc_id,
                body=body,
                op_type="create" if create else "index",
                refresh="true" if refresh else "false",
            )

    def get_document(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The ``_source`` of one document, None if there is none."""
        try:
            with self._request(f"getting {doc_id} from {index}"):
                return dict(self._plain(self.client.get(index=index, id=doc_id))["_source"])
        except NotFoundError:
            return None

    def delete_document(self, index: str, doc_id: str, refresh: bool = False) -> bool:
        """Delete one document; False if there was none."""
        try:
            with self._request(f"deleting {doc_id} from {index}"):
                self.client.delete(index=index, id=doc_id, refresh="true" if refresh else "false")
        except NotFoundError:
            return False
        return True

    def bulk(
        self,
        operations: list[dict[str, Any]] | str,
        refresh: bool = False,
        filter_path: str | None = None,
    ) -> dict[str, Any]:
        """One ``_bulk`` request (action/document pairs, or NDJSON already written).

        Items fail on their own: read ``errors`` and each item's ``status``.
        """
        options: dict[str, Any] = {"refresh": "true"} if refresh else {}
        if filter_path:
            options["filter_path"] = filter_path
        with self._request("bulk request"):
            return dict(self._plain(self.client.bulk(body=operations, **options)))

    def streaming_bulk(
        self, actions: Iterable[dict[str, Any]], max_retries: int = 3, initial_backoff: float = 0.5
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """(ok, item) for each action, bulk requests chunked by the client's helper.

        Items refused with 429 are retried ``max_retries`` times; other failures are returned.
        """
        with self._request("bulk indexing"):
            yield from self.helpers.streaming_bulk(
                self.client,
                actions,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=max_retries,
                initial_backoff=initial_backoff,
            )

    def bulk_load(
        self,
        actions: Iterable[dict[str, Any]],
        chunk_size: int = 1000,
        max_chunk_bytes: int = 10_485_760,
    ) -> int:
        """The client library's own ``helpers.bulk``: the plainest fast load (benchmarks' baseline).

        Returns how many documents were indexed; any failed item is an ``EngineError``.
        """
        with self._request("bulk load"):
            indexed, _ = self.helpers.bulk(
                self.client, actions, chunk_size=chunk_size, max_chunk_bytes=max_chunk_bytes
            )
        return int(indexed)

    def forcemerge(self, index: str) -> None:
        """Merge ``index`` down to one segment (benchmarks measure a settled index)."""
        with self._request(f"force-merging {index}"):
            self.client.indices.forcemerge(index=index, max_num_segments=1)

    def indexed_total(self, index: str) -> int:
        """Index operations done in ``index`` so far, refreshed or not (benchmarks time loads)."""
        with self._request(f"indexing stats of {index}"):
            stats = self._plain(self.client.indices.stats(index=index, metric="indexing"))
        return int(stats["_all"]["primaries"].get("indexing", {}).get("index_total", 0))

    def clear_request_cache(self, index: str) -> None:
        """Empty the shard request cache of ``index`` (benchmarks measure cold counts)."""
        with self._request(f"clearing the request cache of {index}"):
            self.client.indices.clear_cache(index=index, request=True)

    def close(self) -> None:
        self.client.close()


class AsyncSearchEngine(ABC):
    """The asynchronous client the indexer writes with: no retries of its own (the caller's
    ``indexers.bulk.BulkWriter`` knows which items failed and retries only those)."""

    name: ClassVar[str]

    def __init__(self, address: StoreAddress, timeout: float = 30):
        self.address = address
        self.client: Any = self._connect(address, timeout)

    @abstractmethod
    def _connect(self, address: StoreAddress, timeout: float) -> Any:
        """The client library's async client for ``address``, with retries off."""

    @abstractmethod
    def _failure(self, exc: Exception, what: str) -> EngineError | None:
        """The ``EngineError`` for an exception of the client library; None for any other."""

    def _plain(self, response: Any) -> Any:
        return response

    async def create_index(self, name: str, body: dict[str, Any]) -> bool:
        """Create index ``name``; False if it exists already."""
        try:
            await self.client.indices.create(index=name, body=body)
        except Exception as exc:
            error = self._failure(exc, f"creating index {name}")
            if error is None:
                raise
            if error.kind == "resource_already_exists_exception":
                return False
            raise error from exc
        return True

    async def bulk(self, ndjson: str | bytes, filter_path: str | None = None) -> dict[str, Any]:
        """One ``_bulk`` request of NDJSON; items fail on their own (read each ``status``).

        ``filter_path``: the parts of the answer wanted (less to send back and to parse).
        """
        options = {"filter_path": filter_path} if filter_path else {}
        try:
            return dict(self._plain(await self.client.bulk(body=ndjson, **options)))
        except Exception as exc:
            error = self._failure(exc, "bulk request")
            if error is None:
                raise
            raise error from exc

    async def close(self) -> None:
        await self.client.close()
