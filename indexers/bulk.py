"""Bulk writes to the search engine that never lose or duplicate an article.

* Deterministic ``_id`` and backing index (``indexers.mapping.action``): a redelivered article
  overwrites itself.
* Requests are cut at ``max_bytes`` of NDJSON; each item's result is read, and only items that
  failed with 429 / 5xx (or a whole request that failed to connect or with 429 / 5xx) are sent
  again, after an exponential backoff with jitter. Retrying has no attempt limit: while
  the engine is down the writer waits and resumes when it is back (the Faust agent does not
  ack the batch meanwhile, so nothing is skipped and the worker does not crash-loop).
* Items rejected with another 4xx (a mapping conflict, a document too large) are returned
  with the reason: they go to the dead-letter topic, they are not retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic_core import to_json

from indexers.lifecycle import index_body
from indexers.mapping import bulk_item
from indexers.searchengine import SearchEngineStore
from rasad import metrics
from rasad.engines import AsyncSearchEngine, EngineError, retryable
from rasad.errors import StoreError
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.retry import backoff
from rasad.settings import Settings

log = logging.getLogger(__name__)
# Only what is read of each item's answer (every item has an id and a status: positions stay).
_ITEMS = "items.*._id,items.*.status,items.*.error"


@dataclass(frozen=True)
class BulkPolicy:
    """How big a request may get and how retries back off."""

    max_bytes: int = 10 * 1024 * 1024
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry ``attempt`` (1, 2, …): ``rasad.retry.backoff``."""
        return backoff(attempt, self.initial_backoff, self.max_backoff, rand)


@dataclass
class BulkOutcome:
    """What one ``write`` did: ids indexed, (article, reason) rejected, retries it needed."""

    indexed: list[str] = field(default_factory=list)
    rejected: list[tuple[Article, str]] = field(default_factory=list)
    retries: int = 0


class _Retry(Exception):
    """A whole request failed in a way worth retrying."""


class BulkWriter:
    """Writes batches of articles into the backing indices of ``alias``."""

    def __init__(
        self,
        engine: AsyncSearchEngine,
        alias: str,
        stemmer: Stemmer,
        policy: BulkPolicy = BulkPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.engine = engine
        self.alias = alias
        self.stemmer = stemmer
        self.policy = policy
        self._sleep = sleep
        self._ensured: set[str] = set()

    async def write(self, articles: list[Article]) -> BulkOutcome:
        """Index every article; return only once each is indexed or rejected for good."""
        pending = {a.id: a for a in articles}  # a batch holding one id twice: the last one wins
        outcome = BulkOutcome()
        attempt = 0
        while pending:
            try:
                await self._attempt(pending, outcome)
            except _Retry as exc:
                log.warning("bulk: %s; %d article(s) pending", exc, len(pending))
            if pending:
                attempt += 1
                outcome.retries += 1
                metrics.store_retry("indexer")
                delay = self.policy.backoff(attempt)
                log.warning(
                    "bulk: retry %d of %d article(s) in %.1fs", attempt, len(pending), delay
                )
                await self._sleep(delay)
        metrics.store_up("indexer")
        return outcome

    async def _attempt(self, pending: dict[str, Article], outcome: BulkOutcome) -> None:
        items = [(a.id, *bulk_item(self.alias, a, self.stemmer)) for a in pending.values()]
        await self._ensure_indices({index for _, index, _ in items})
        for chunk in self._chunks(items):
            for article_id, status, error in await self._send(chunk):
                if 200 <= status < 300:
                    outcome.indexed.append(article_id)
                    del pending[article_id]
                elif not retryable(status):
                    outcome.rejected.append((pending.pop(article_id), f"{status}: {error}"))

    def _chunks(self, items: list[tuple[str, str, bytes]]) -> list[list[bytes]]:
        """NDJSON line pairs of ``(id, index, source)`` items, grouped so each request stays
        under ``max_bytes`` (one item at least)."""
        chunks: list[list[bytes]] = [[]]
        size = 0
        for article_id, index, source in items:
            meta = to_json({"index": {"_index": index, "_id": article_id}})
            pair = len(meta) + len(source) + 2
            if chunks[-1] and size + pair > self.policy.max_bytes:
                chunks.append([])
                size = 0
            chunks[-1] += [meta, source]
            size += pair
        return chunks

    async def _send(self, lines: list[bytes]) -> list[tuple[str, int, str]]:
        """(id, status, error) of each item of one bulk request."""
        try:
            response = await self.engine.bulk(b"\n".join(lines) + b"\n", filter_path=_ITEMS)
        except EngineError as exc:
            if exc.retryable:
                raise _Retry(f"bulk request failed: {exc}") from exc
            # The whole request was refused (e.g. 413 too large): every item gets the answer.
            ids = [json.loads(meta)["index"]["_id"] for meta in lines[::2]]
            return [(i, exc.status or 0, exc.kind or str(exc)) for i in ids]
        results = []
        for item in response["items"]:
            info = item["index"]
            error = info.get("error")
            results.append(
                (
                    info["_id"],
                    int(info["status"]),
                    json.dumps(error, ensure_ascii=False) if error else "",
                )
            )
        return results

    async def _ensure_indices(self, names: set[str]) -> None:
        for name in sorted(names - self._ensured):
            try:
                await self.engine.create_index(name, index_body(self.alias))
            except EngineError as exc:
                raise _Retry(f"creating {name} failed: {exc}") from exc
            self._ensured.add(name)

    async def close(self) -> None:
        await self.engine.close()


class SearchEngineSink:
    """Bulk writes through ``BulkWriter``; the alias is set up (waiting for the engine) on start.

    An engine's module names the store that sets the alias up and the async client to write with.
    """

    store_class: ClassVar[type[SearchEngineStore]]
    engine_class: ClassVar[type[AsyncSearchEngine]]

    @classmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> SearchEngineSink:
        return cls(settings, stemmer)

    def __init__(self, settings: Settings, stemmer: Stemmer):
        self.settings = settings
        self.stemmer = stemmer
        self.writer: BulkWriter | None = None
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        async with self._starting:
            if self.writer is None:
                await self._start()

    async def _start(self) -> None:
        s = self.settings
        store = self.store_class.from_settings(s, self.stemmer)
        policy = BulkPolicy(max_bytes=s.indexer_batch_bytes, max_backoff=s.indexer_max_backoff)
        attempt = 0
        while True:
            try:
                await asyncio.get_running_loop().run_in_executor(None, store.setup)
                break
            except StoreError as exc:
                attempt += 1
                delay = policy.backoff(attempt)
                log.warning("indexer: %s; trying again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        store.close()
        engine = self.engine_class(s.store, timeout=s.store_timeout)
        self.writer = BulkWriter(engine, s.index_alias, self.stemmer, policy)

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]:
        assert self.writer is not None, "start() first"
        outcome = await self.writer.write(articles)
        log.info(
            "indexed %d article(s), rejected %d, after %d retries",
            len(outcome.indexed),
            len(outcome.rejected),
            outcome.retries,
        )
        return outcome.rejected
