"""The Faust shell of the indexing stage: ``articles.tagged`` → the search store, in batches.

A batch is taken by count or time (``take_events``: N events or ``within`` seconds, whichever
first), written, and only then acknowledged, so Kafka offsets are committed only for articles
that are in the store: a crash re-indexes the last batch (deterministic ids make that
harmless) and never skips one. Writing waits out an OpenSearch outage (see ``indexers.bulk``).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import faust

from rasad.bus import dead_letter_record
from rasad.errors import BadInput
from rasad.model import Article
from rasad.settings import Settings
from rasad.streaming import Topics

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Where a batch goes: returns the (article, reason) pairs rejected for good."""

    async def start(self) -> None: ...

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]: ...


class OpenSearchSink:
    """Bulk writes through ``BulkWriter``; the alias is set up (waiting for OpenSearch) on start."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.hosts = settings.store.removeprefix("opensearch://").strip("/").split(",")
        self.writer = None
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        async with self._starting:
            if self.writer is None:
                await self._start()

    async def _start(self) -> None:
        from indexers.bulk import BulkPolicy, BulkWriter, async_client
        from indexers.opensearch import OpenSearchStore
        from rasad.errors import StoreError

        s = self.settings
        store = OpenSearchStore(self.hosts, alias=s.index_alias, retention_months=s.index_retention_months)
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
        self.writer = BulkWriter(async_client(self.hosts), s.index_alias, policy)

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]:
        outcome = await self.writer.write(articles)
        log.info("indexed %d article(s), rejected %d, after %d retries", len(outcome.indexed),
                 len(outcome.rejected), outcome.retries)
        return outcome.rejected


class StoreSink:
    """Any ``Store`` (SQLite behind a Kafka bus), written from a thread."""

    def __init__(self, store):
        self.store = store

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.store.setup)

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]:
        report = await asyncio.get_running_loop().run_in_executor(None, self.store.index, articles)
        by_id = {a.id: a for a in articles}
        return [(by_id[i], reason) for i, reason in report.rejected]


def sink_for(settings: Settings) -> Sink:
    """The sink named by ``settings.store``."""
    if settings.store.startswith("opensearch://"):
        return OpenSearchSink(settings)
    from pathlib import Path

    from indexers.sqlite import SqliteStore

    return StoreSink(SqliteStore(Path(settings.store.removeprefix("sqlite:///"))))


def register(app: faust.App, topics: Topics, settings: Settings, sink: Sink | None = None) -> None:
    """Add the indexer agent to the app."""
    sink = sink or sink_for(settings)

    # Two instances overlap one batch's bulk request with the next batch's parsing; the consumer
    # commits only up to the first offset not yet acked, so out-of-order acks never skip.
    @app.agent(topics.tagged, name="rasad.indexer", concurrency=settings.indexer_concurrency)
    async def indexer(stream: faust.StreamT) -> None:
        await sink.start()  # idempotent: each concurrent instance makes sure the alias is ready
        async for events in stream.take_events(settings.indexer_batch_docs, within=settings.indexer_batch_seconds):
            try:
                await _index(events, sink, topics)
            except BaseException:
                # take_events acks the batch when this body is left, even by an exception or a
                # shutdown; an unwritten batch must not be committed: mark its messages as
                # already acked so the consumer never records their offsets.
                for event in events:
                    event.message.acked = True
                raise


async def _index(events: list, sink: Sink, topics: Topics) -> None:
    articles = []
    for event in events:
        try:
            articles.append(Article.from_json(event.value))
        except BadInput as exc:
            await topics.dlq.send(value=dead_letter_record(exc.reason, str(exc), event.value, _origin(event)))
    if not articles:
        return
    for article, reason in await sink.write(articles):
        log.error("indexer: store rejected %s: %s", article.id, reason)
        await topics.dlq.send(value=dead_letter_record("rejected_by_store", reason, article.to_json(),
                                                       {"stage": "indexer", "id": article.id}))


def _origin(event) -> dict:
    message = event.message
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset, "stage": "indexer"}
