"""The Faust indexer on the real stack: exactly once in the store through an OpenSearch outage."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer

from indexers.opensearch import OpenSearchStore
from rasad import concepts
from rasad.model import Article, Tag
from tests.helpers.processes import settings_from, wait_for

pytestmark = pytest.mark.stack


def tagged(n: int, start: int = 0) -> list[Article]:
    day = datetime(2015, 10, 1, tzinfo=UTC)
    return [
        Article(
            id=f"a{i:05d}",
            source="Wire",
            title=f"Report {i}",
            language="en",
            text=f"Airstrike report number {i} near Raqqa.",
            published_at=day + timedelta(hours=7 * i),
            tags=[Tag(kind="place", id="SY", label="Syria")],
        )
        for i in range(start, start + n)
    ]


def send(brokers: str, topic: str, articles: list[Article], extra: list[bytes] = ()) -> None:
    producer = KafkaProducer(bootstrap_servers=brokers)
    for article in articles:
        producer.send(topic, key=article.id.encode(), value=article.to_json())
    for raw in extra:
        producer.send(topic, value=raw)
    producer.flush()
    producer.close()


def test_stopping_opensearch_mid_stream_loses_and_duplicates_nothing(stack, stack_env, worker):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    opensearch = stack.server("opensearch")
    store = OpenSearchStore(settings.store, concepts.load().stemmer, alias=settings.index_alias)
    first, second = tagged(200), tagged(300, start=200)
    bad_place = Article(
        id="badgeo",
        title="Off the globe",
        text="Coordinates out of range.",
        language="en",
        tags=[Tag(kind="place", id="999", label="Nowhere", lat=123.0, lon=0.0)],
    )
    w = worker("--role", "indexer")
    try:
        send(brokers, settings.topic_tagged, first, extra=[b"not json at all", bad_place.to_json()])
        wait_for(
            lambda: w.check() or _count(store) == len(first),
            timeout=120,
            message="first half indexed",
        )

        opensearch.stop(settings.stack_stop_grace)
        send(brokers, settings.topic_tagged, second)
        time.sleep(4)  # the worker now retries against a dead server; it must not exit
        w.check()
    finally:
        if opensearch.pid() is None:
            opensearch.start()
        wait_for(opensearch.ready, timeout=180, message="OpenSearch back")

    wait_for(
        lambda: w.check() or _count(store) >= len(first) + len(second),
        timeout=180,
        message="second half indexed after the outage",
    )
    store.refresh()
    ids = store.ids()
    assert len(ids) == len(set(ids)) == len(first) + len(second)
    assert set(ids) == {a.id for a in first + second}
    assert "retry" in w.output()

    reasons = _dead_letters(brokers, settings.topic_dlq, 2)
    assert sorted(r["reason"] for r in reasons) == ["not_json", "rejected_by_store"]
    assert (
        json.loads(next(r for r in reasons if r["reason"] == "rejected_by_store")["original"])["id"]
        == "badgeo"
    )
    store.close()


def _count(store: OpenSearchStore) -> int:
    try:
        store.refresh()
        return store.count()
    except Exception:
        return 0


def _dead_letters(brokers: str, topic: str, n: int) -> list[dict]:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", consumer_timeout_ms=20000
    )
    records = []
    for message in consumer:
        records.append(json.loads(message.value))
        if len(records) == n:
            break
    consumer.close()
    return records
