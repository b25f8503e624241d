"""The bulk writer on the real OpenSearch, and its pure parts."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from indexers.bulk import BulkPolicy, BulkWriter, async_client, retryable
from indexers.mapping import MAPPING_VERSION, action
from indexers.opensearch import OpenSearchStore
from rasad import concepts
from rasad.addresses import parse_store
from rasad.model import Article, Tag
from tests.indexers.corpus import ALL, corpus

STEMMER = concepts.load().stemmer


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


def test_requests_are_cut_by_size():
    writer = BulkWriter(client=None, alias="a", stemmer=STEMMER, policy=BulkPolicy(max_bytes=3000))
    chunks = writer._chunks([action("a", a, STEMMER) for a in corpus()])
    assert len(chunks) > 1
    assert sum(len(c) for c in chunks) == 2 * len(ALL)
    assert all(sum(len(line.encode()) + 1 for line in c) <= 3000 or len(c) == 2 for c in chunks)


@pytest.fixture
def alias(stack, stack_settings):
    name = "b" + uuid.uuid4().hex[:10]
    store = OpenSearchStore(
        parse_store(f"opensearch://127.0.0.1:{stack_settings.opensearch_port}"), STEMMER, alias=name
    )
    store.setup()
    yield name, store
    store.client.indices.delete(index=f"{name}-*")
    store.close()


def write(hosts: list[str], name: str, articles: list[Article], policy: BulkPolicy = BulkPolicy()):
    async def run():
        writer = BulkWriter(
            async_client(parse_store("opensearch://" + ",".join(hosts))), name, STEMMER, policy
        )
        try:
            return await writer.write(articles)
        finally:
            await writer.close()

    return asyncio.run(run())


@pytest.mark.stack
def test_rejected_items_are_returned_with_the_reason_and_the_rest_indexed(alias, stack_settings):
    name, store = alias
    bad = Article(
        id="bad",
        title="Bad place",
        text="A place far off the globe.",
        language="en",
        tags=[Tag(kind="place", id="999", label="Nowhere", lat=200.0, lon=10.0)],
    )
    outcome = write(
        [f"127.0.0.1:{stack_settings.opensearch_port}"],
        name,
        corpus() + [bad],
        BulkPolicy(max_bytes=4000),
    )
    assert sorted(outcome.indexed) == sorted(ALL)
    assert [(a.id, reason.split(":")[0]) for a, reason in outcome.rejected] == [("bad", "400")]
    assert "latitude" in outcome.rejected[0][1]
    store.refresh()
    assert sorted(store.ids()) == sorted(ALL)


@pytest.mark.stack
def test_writing_twice_keeps_one_copy_in_the_month_index(alias, stack_settings):
    name, store = alias
    hosts = [f"127.0.0.1:{stack_settings.opensearch_port}"]
    write(hosts, name, corpus())
    write(hosts, name, corpus()[::-1])
    store.refresh()
    assert sorted(store.ids()) == sorted(ALL)
    indices = sorted(store.client.indices.get_alias(name=name))
    assert indices == [
        f"{name}-v{MAPPING_VERSION}-2015.10",
        f"{name}-v{MAPPING_VERSION}-2015.11",
        f"{name}-v{MAPPING_VERSION}-2015.12",
        f"{name}-v{MAPPING_VERSION}-undated",
    ]
