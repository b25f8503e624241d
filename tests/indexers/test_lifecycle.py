"""Migrations and retention of the OpenSearch alias, on the real server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from opensearchpy import helpers

from indexers import lifecycle
from indexers.mapping import MAPPING_VERSION, index_template, source
from indexers.opensearch import OpenSearchStore
from rasad import concepts
from rasad.addresses import parse_store
from rasad.query import parse
from rasad.store import SearchRequest
from tests.indexers.corpus import ALL, SYRIA, corpus


def test_expired_months():
    names = [
        "a-v2-2015.09",
        "a-v2-2015.10",
        "a-v2-2015.11",
        "a-v2-2016.01",
        "a-v2-undated",
        "a-000001",
    ]
    now = datetime(2016, 1, 15, tzinfo=UTC)
    assert lifecycle.expired(names, 2, now) == ["a-v2-2015.09", "a-v2-2015.10"]
    assert lifecycle.expired(names, 0, now) == []
    assert lifecycle.expired(names, 1, now) == ["a-v2-2015.09", "a-v2-2015.10", "a-v2-2015.11"]


@pytest.fixture
def store(stack, stack_settings):
    address = parse_store(f"opensearch://127.0.0.1:{stack_settings.opensearch_port}")
    s = OpenSearchStore(address, concepts.load().stemmer, alias="l" + uuid.uuid4().hex[:10])
    yield s
    s.client.indices.delete(index=f"{s.alias}-*")
    s.close()


@pytest.mark.stack
def test_an_old_single_index_layout_is_migrated_without_losing_articles(store):
    # The layout of mapping version 1: one index "<alias>-000001" behind the alias.
    old = f"{store.alias}-000001"
    mappings = index_template(store.alias)["template"]["mappings"]
    store.client.indices.create(
        index=old,
        body={
            "mappings": mappings,
            "aliases": {store.alias: {}},
            "settings": index_template(store.alias)["template"]["settings"],
        },
    )
    helpers.bulk(
        store.client,
        [{"_index": old, "_id": a.id, "_source": source(a, store.stemmer)} for a in corpus()],
        refresh=True,
    )

    store.setup()
    assert lifecycle.setup(store.client, store.alias) == []  # a second run has nothing to migrate
    store.refresh()
    behind = sorted(store.client.indices.get_alias(name=store.alias))
    assert behind == [
        f"{store.alias}-v{MAPPING_VERSION}-2015.10",
        f"{store.alias}-v{MAPPING_VERSION}-2015.11",
        f"{store.alias}-v{MAPPING_VERSION}-2015.12",
        f"{store.alias}-v{MAPPING_VERSION}-undated",
    ]
    assert not store.client.indices.exists(index=old)
    assert sorted(store.ids()) == sorted(ALL)
    found = store.search(SearchRequest(parse("سوريا", concepts.load()), size=50))
    assert {h.article.id for h in found.hits} == SYRIA


@pytest.mark.stack
def test_retention_drops_whole_old_months(store):
    store.setup()
    store.index(corpus())
    store.refresh()
    deleted = lifecycle.apply_retention(
        store.client, store.alias, 1, datetime(2015, 12, 20, tzinfo=UTC)
    )
    assert deleted == [f"{store.alias}-v{MAPPING_VERSION}-2015.10"]
    store.refresh()
    assert store.count() == len(ALL) - 7
