"""The bulk writer on the real OpenSearch and Elasticsearch, and its pure parts."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

import wiring
from indexers.bulk import BulkPolicy, BulkWriter
from indexers.mapping import MAPPING_VERSION, action, bulk_item
from indexers.searchengine import SearchEngineStore
from rasad import concepts
from rasad.addresses import StoreAddress, parse_store
from rasad.engines import AsyncSearchEngine, retryable
from rasad.engines.elasticsearch import AsyncElasticsearchEngine
from rasad.engines.opensearch import AsyncOpenSearchEngine
from rasad.model import Article, Tag
from rasad.settings import Settings
from tests.helpers.engines import SERVER_ENGINES, engine_url
from tests.indexers.corpus import ALL, corpus

STEMMER = concepts.load().stemmer
ASYNC: dict[str, type[AsyncSearchEngine]] = {
    "opensearch": AsyncOpenSearchEngine,
    "elasticsearch": AsyncElasticsearchEngine,
}


def test_backoff_grows_is_capped_and_jittered():
    policy = BulkPolicy(initial_backoff=0.5, max_backoff=8)
    assert [policy.backoff(n, rand=lambda: 0.0) for n in (1, 2, 3, 4, 5, 6)] == [
        0.25,
        0.5,
        1,
        2,
        4,
        4,
    ]
    assert [policy.backoff(n, rand=lambda: 1.0) for n in (1, 2, 6, 30)] == [0.5, 1, 8, 8]


def test_only_throttling_and_server_errors_are_retried():
    assert [s for s in (200, 400, 404, 409, 413, 429, 500, 502, 503) if retryable(s)] == [
        429,
        500,
        502,
        503,
    ]


def _items(articles: list[Article]) -> list[tuple[str, str, bytes]]:
    return [(a.id, *bulk_item("a", a, STEMMER)) for a in articles]


def test_requests_are_cut_by_size():
    writer = BulkWriter(engine=None, alias="a", stemmer=STEMMER, policy=BulkPolicy(max_bytes=3000))
    chunks = writer._chunks(_items(corpus()))
    assert len(chunks) > 1
    assert sum(len(c) for c in chunks) == 2 * len(ALL)
    assert all(sum(len(line) + 1 for line in c) <= 3000 or len(c) == 2 for c in chunks)
    meta, source = (json.loads(line) for line in chunks[0][:2])
    first = corpus()[0]
    assert meta == {"index": {"_index": action("a", first, STEMMER)["_index"], "_id": first.id}}
    assert source["id"] == first.id


def test_a_bulk_item_is_the_action_serialized():
    for article in [*corpus(), Article(id='odd "id"\n', text="Ünïcode ☃ \u2028 نص", url=None)]:
        index, source = bulk_item("a", article, STEMMER)
        expected = action("a", article, STEMMER)
        assert index == expected["_index"]
        assert json.loads(source) == expected["_source"]


@pytest.fixture(params=SERVER_ENGINES)
def alias(request):
    """A fresh alias, set up, on each server engine: (alias, store, async engine class)."""
    name = "b" + uuid.uuid4().hex[:10]
    settings = Settings(store=engine_url(request.param, request), index_alias=name)
    store = wiring.open_store(settings, concepts.load(), setup=True)
    assert isinstance(store, SearchEngineStore)
    yield name, store, ASYNC[request.param]
    store.drop()
    store.close()


def write(
    engine: type[AsyncSearchEngine],
    address: StoreAddress,
    name: str,
    articles: list[Article],
    policy: BulkPolicy | None = None,
):
    async def run():
        writer = BulkWriter(engine(address), name, STEMMER, policy or BulkPolicy())
        try:
            return await writer.write(articles)
        finally:
            await writer.close()

    return asyncio.run(run())


def test_rejected_items_are_returned_with_the_reason_and_the_rest_indexed(alias):
    name, store, engine = alias
    bad = Article(
        id="bad",
        title="Bad place",
        text="A place far off the globe.",
        language="en",
        tags=[Tag(kind="place", id="999", label="Nowhere", lat=200.0, lon=10.0)],
    )
    outcome = write(engine, store.address, name, [*corpus(), bad], BulkPolicy(max_bytes=4000))
    assert sorted(outcome.indexed) == sorted(ALL)
    assert [(a.id, reason.split(":")[0]) for a, reason in outcome.rejected] == [("bad", "400")]
    assert "latitude" in outcome.rejected[0][1]
    store.refresh()
    assert sorted(store.ids()) == sorted(ALL)


def test_writing_twice_keeps_one_copy_in_the_month_index(alias):
    name, store, engine = alias
    write(engine, store.address, name, corpus())
    write(engine, store.address, name, corpus()[::-1])
    store.refresh()
    assert sorted(store.ids()) == sorted(ALL)
    assert store.engine.aliased(name) == [
        f"{name}-v{MAPPING_VERSION}-2015.10",
        f"{name}-v{MAPPING_VERSION}-2015.11",
        f"{name}-v{MAPPING_VERSION}-2015.12",
        f"{name}-v{MAPPING_VERSION}-undated",
    ]


def test_an_unreachable_engine_is_retried_until_it_answers():
    # Nothing listens on the port: the writer keeps the batch and backs off instead of failing.
    sleeps: list[float] = []

    async def run():
        address = parse_store("elasticsearch://127.0.0.1:9")
        writer = BulkWriter(
            AsyncElasticsearchEngine(address, timeout=2),
            "x",
            STEMMER,
            sleep=_give_up_after(3, sleeps),
        )
        try:
            return await writer.write(corpus()[:2])
        finally:
            await writer.close()

    with pytest.raises(_GaveUpError):
        asyncio.run(run())
    assert len(sleeps) == 3


class _GaveUpError(Exception):
    pass


def _give_up_after(n: int, sleeps: list[float]):
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) >= n:
            raise _GaveUpError

    return sleep
