"""Migrations and retention of the articles alias, on the real OpenSearch and Elasticsearch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

import wiring
from indexers import lifecycle
from indexers.mapping import MAPPING_VERSION, index_template, source
from indexers.searchengine import SearchEngineStore
from rasad import concepts
from rasad.query import parse
from rasad.settings import Settings
from rasad.store import SearchRequest
from tests.helpers.engines import SERVER_ENGINES, engine_url
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


@pytest.fixture(params=SERVER_ENGINES)
def store(request):
    """A store on a fresh alias of each server engine (not set up)."""
    settings = Settings(
        store=engine_url(request.param, request), index_alias="l" + uuid.uuid4().hex[:10]
    )
    s = wiring.open_store(settings, concepts.load())
    assert isinstance(s, SearchEngineStore)
    yield s
    s.drop()
    s.close()


def test_an_old_single_index_layout_is_migrated_without_losing_articles(store):
    # The layout of mapping version 1: one index "<alias>-000001" behind the alias.
    old = f"{store.alias}-000001"
    template = index_template(store.alias, store.analysis)["template"]
    store.engine.create_index(old, {**template, "aliases": {store.alias: {}}})
    pairs = [
        line
        for a in corpus()
        for line in ({"index": {"_index": old, "_id": a.id}}, source(a, store.stemmer))
    ]
    assert not store.engine.bulk(pairs, refresh=True)["errors"]

    store.setup()
    template = index_template(store.alias, store.analysis)
    assert lifecycle.setup(store.engine, store.alias, template) == []  # nothing left to migrate
    store.refresh()
    behind = store.engine.aliased(store.alias)
    assert behind == [
        f"{store.alias}-v{MAPPING_VERSION}-2015.10",
        f"{store.alias}-v{MAPPING_VERSION}-2015.11",
        f"{store.alias}-v{MAPPING_VERSION}-2015.12",
        f"{store.alias}-v{MAPPING_VERSION}-undated",
    ]
    assert not store.engine.index_exists(old)
    assert sorted(store.ids()) == sorted(ALL)
    found = store.search(SearchRequest(parse("سوريا", concepts.load()), size=50))
    assert {h.article.id for h in found.hits} == SYRIA


def test_retention_drops_whole_old_months(store):
    store.setup()
    store.index(corpus())
    store.refresh()
    deleted = lifecycle.apply_retention(
        store.engine, store.alias, 1, datetime(2015, 12, 20, tzinfo=UTC)
    )
    assert deleted == [f"{store.alias}-v{MAPPING_VERSION}-2015.10"]
    store.refresh()
    assert store.count() == len(ALL) - 7
