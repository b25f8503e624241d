"""Where the indexer agent writes its batches: the ``Sink`` contract, and
``StoreSink`` for any ``Store``.

A sink is started by the agent (it may wait for its engine to come up) and writes one batch at
a time, answering only once every article is stored or rejected for good; the agent acks the
batch's offsets after that. ``indexers.bulk.SearchEngineSink`` is the real stack's sink.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.settings import Settings
from rasad.store import Store


class Sink(Protocol):
    """Where a batch goes: returns the (article, reason) pairs rejected for good."""

    async def start(self) -> None: ...

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]: ...


class StoreSink:
    """Any ``Store`` (SQLite behind a Kafka bus), written from a thread."""

    @classmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> StoreSink:
        # Imported here: the registry picks this sink for SQLite only, its one store.
        from indexers.sqlite import SqliteStore

        return cls(SqliteStore.from_settings(settings, stemmer))

    def __init__(self, store: Store):
        self.store = store

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.store.setup)

    async def write(self, articles: list[Article]) -> list[tuple[Article, str]]:
        report = await asyncio.get_running_loop().run_in_executor(None, self.store.index, articles)
        by_id = {a.id: a for a in articles}
        return [(by_id[i], reason) for i, reason in report.rejected]
