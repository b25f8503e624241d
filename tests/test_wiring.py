"""The composition root: the registry opens the adapters the URLs name, and the
embedded pipeline runs every stage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wiring
from rasad.settings import Settings


def test_every_store_scheme_settings_accept_has_an_engine_and_every_engine_its_adapters() -> None:
    from typing import get_args

    from rasad.addresses import StoreScheme

    for scheme, engine in wiring.ENGINES.items():
        assert scheme in get_args(StoreScheme)
        for name in (engine.store, engine.rules, engine.sink):
            assert callable(wiring._adapter(name).from_settings), name
    for name in wiring.BUSES.values():
        assert callable(wiring._adapter(name).from_settings), name


def test_the_sqlite_engine_opens_its_store_and_rule_store_in_the_data_dir(
    tmp_path: Path, lexicon
) -> None:
    settings = Settings(data_dir=tmp_path)
    store = wiring.open_store(settings, lexicon)
    rules = wiring.open_rules(settings)
    assert store.url == f"sqlite:///{tmp_path / 'rasad.db'}" and store.count() == 0
    assert rules.url == f"sqlite:///{tmp_path / 'alerts.db'}" and rules.rules() == []
    store.close()
    rules.close()


def test_embedded_pipeline_tags_indexes_and_dead_letters(tmp_path: Path, lexicon) -> None:
    settings = Settings(data_dir=tmp_path)
    pipeline = wiring.open_pipeline(settings, lexicon)
    bus = pipeline.bus
    raw = '{"title": "غارة", "text": "غارات جوية روسية على مواقع لداعش في الرقة السورية"}'
    bus.publish(settings.topic_raw, None, raw.encode())
    bus.publish(settings.topic_raw, None, b"{broken")
    bus.flush()
    assert pipeline.store is not None and pipeline.store.count() == 1
    recent = bus.recent  # type: ignore[attr-defined]  # the memory bus
    dead = [json.loads(v) for _, v in recent(settings.topic_dlq)]
    assert [d["reason"] for d in dead] == ["not_json"] and dead[0]["original"] == "{broken"
    tagged = json.loads(recent(settings.topic_tagged)[0][1])
    assert {"Q2429253", "SY", "airstrike"} <= {t["id"] for t in tagged["tags"]}
    pipeline.close()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("all", ("tagger", "indexer", "alerts")),
        ("alerts,tagger", ("tagger", "alerts")),
        ("indexer", ("indexer",)),
    ],
)
def test_worker_roles_are_read_in_pipeline_order(role: str, expected: tuple[str, ...]) -> None:
    assert Settings(worker_role=role).worker_role == expected
