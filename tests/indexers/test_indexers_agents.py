"""The indexer agent (``indexers.agents``) without Kafka: tagged articles in, rows in a real
SQLite store, unreadable or unwritable ones to the dead-letter channel, via ``test_context()``.

One indexer actor (``indexer_concurrency=1``): batches are written in the order they came, so the
dead letter of a document the store could not write, sent after its batch, marks the end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from faust.types.agents import AgentTestWrapperT

from indexers.agents import register
from indexers.sink import StoreSink
from indexers.sqlite import SqliteStore
from rasad.concepts import Lexicon
from rasad.model import Article, Tag
from rasad.query import parse
from rasad.settings import Settings
from rasad.store import SearchRequest
from rasad.streaming import Topics
from tests.helpers.agents import channels, offline_app, offline_settings, received, subscription

# A valid article the store below fails to write: a bug a message triggers, found by the agent.
UNWRITABLE = b'{"id": "unwritable", "text": "x"}'
# An article no store could place: its date, moved to UTC, falls before year 1.
YEAR_ZERO = b'{"id": "year-zero", "text": "x", "published_at": "0001-01-01T00:30:00+01:00"}'


class FailingStore(SqliteStore):
    """The real SQLite store, failing on one article as a store bug would (no server to provoke)."""

    def _upsert(self, article: Article) -> None:
        if article.id == "unwritable":
            raise ValueError("the store failed on this document")
        super()._upsert(article)


Scenario = Callable[[AgentTestWrapperT, Topics], Awaitable[None]]


def tagged(number: int) -> Article:
    """A tagged Arabic article (as the tagger writes it) about the Islamic State."""
    text = f"غارة جوية على مواقع لداعش قرب الرقة، البيان رقم {number}."
    return Article(
        id=f"ar-{number}",
        source="وكالة",
        title="غارة على الرقة",
        text=text,
        language="ar",
        tags=[
            Tag(kind="actor", id="Q2429253", label="Islamic State"),
            Tag(kind="place", id="SY", label="Syria", derived=True),
        ],
    )


def run(lexicon: Lexicon, settings: Settings, scenario: Scenario) -> SqliteStore:
    """Run ``scenario(indexer, topics)`` on an indexer writing to ``settings``' SQLite store."""
    store = FailingStore.from_settings(settings, lexicon.stemmer)

    async def main() -> None:
        async with offline_app(settings) as app:
            topics = channels(app)
            register(app, topics, settings, StoreSink(store))
            async with app.agents["rasad.indexer"].test_context() as indexer:
                await scenario(indexer, topics)

    asyncio.run(main())
    return store


def indexer_settings(folder: Path, batch: int | None = None) -> Settings:
    """One actor; ``batch``: exactly that many articles a batch (never closed by the clock)."""
    if batch is None:
        return offline_settings(folder, indexer_concurrency=1)
    return offline_settings(
        folder, indexer_concurrency=1, indexer_batch_docs=batch, indexer_batch_seconds=3600
    )


def test_tagged_articles_are_stored_and_unreadable_ones_dead_lettered(lexicon, tmp_path):
    messages = [
        tagged(1).to_json(),
        b"\xff\xfe not json",
        tagged(2).to_json(),
        b'{"title": "\\udc00", "text": "a lone surrogate"}',
        b'{"id": "no-text", "title": "x"}',
        b'{"text": ' + b"[" * 100 + b"]" * 100 + b"}",
        tagged(3).to_json(),
        YEAR_ZERO,
        UNWRITABLE,  # last: its dead letter comes once every batch before it is written
    ]
    records: list[dict] = []

    async def scenario(indexer: AgentTestWrapperT, topics: Topics) -> None:
        dead = subscription(topics.dlq)
        for message in messages:
            await indexer.put(message, wait=False)
        while not records or records[-1]["reason"] != "failed":
            records.append(json.loads((await received(dead)).value))

    store = run(lexicon, indexer_settings(tmp_path), scenario)
    unreadable = [(r["reason"], r["error_class"], r["origin"]["offset"]) for r in records[:-1]]
    assert unreadable == [
        ("not_json", "BadInput", 1),
        ("bad_unicode", "BadInput", 3),
        ("invalid_article", "BadInput", 4),
        ("too_deep", "BadInput", 5),
        ("invalid_article", "BadInput", 7),
    ]
    assert "UTC" in records[4]["error"]
    assert all(r["origin"]["stage"] == "indexer" for r in records)
    assert records[2]["original"] == messages[4].decode()  # kept as it came, to be replayed
    assert sorted(store.ids()) == ["ar-1", "ar-2", "ar-3"]
    # Stored as documents the search reads: "ISIS" finds the Arabic articles by their concept.
    found = store.search(SearchRequest(parse("ISIS", lexicon)))
    assert sorted(hit.article.id for hit in found.hits) == ["ar-1", "ar-2", "ar-3"]
    assert store.get("ar-2") == tagged(2)
    store.close()


def test_a_document_the_store_cannot_write_is_dead_lettered_and_its_batch_stored(lexicon, tmp_path):
    records: list[dict] = []

    async def scenario(indexer: AgentTestWrapperT, topics: Topics) -> None:
        dead = subscription(topics.dlq)
        # One batch of four: the store fails on the whole, the agent halves it down to the one.
        for message in (tagged(1).to_json(), UNWRITABLE, tagged(2).to_json(), tagged(3).to_json()):
            await indexer.put(message, wait=False)
        records.append(json.loads((await received(dead)).value))
        assert dead.empty()

    store = run(lexicon, indexer_settings(tmp_path, batch=4), scenario)
    [record] = records
    assert (record["reason"], record["error_class"]) == ("failed", "ValueError")
    assert record["origin"] == {"stage": "indexer", "id": "unwritable"}
    assert record["error"] == "the store failed on this document"
    assert json.loads(record["original"])["id"] == "unwritable"
    assert sorted(store.ids()) == ["ar-1", "ar-2", "ar-3"]
    store.close()
