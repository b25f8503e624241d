"""The walking skeleton on the real stack: produce → Kafka → Faust worker → OpenSearch (and
Elasticsearch) → search."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, KafkaProducer

from indexers.mapping import MAPPING_VERSION
from tests.helpers.paths import SEED
from tests.helpers.processes import rasad, settings_from, wait_for

pytestmark = pytest.mark.stack


def search_json(query: str, env: dict[str, str]) -> dict:
    result = rasad("search", query, "--json", env=env, check=True)
    return json.loads(result.stdout)


def test_seed_is_found_by_arabic_words(stack_env, worker):
    w = worker()
    produced = rasad("produce", str(SEED), env=stack_env, check=True)
    assert "sent 1" in produced.stdout.decode()

    found = wait_for(
        lambda: w.check() or search_json("داعش", stack_env)["total"] >= 1,
        timeout=90,
        message="seed indexed",
    )
    assert found
    result = search_json("داعش", stack_env)
    hit = result["hits"][0]
    assert hit["title"] == 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'
    assert any("<mark>داعش</mark>" in h for h in hit["highlights"])
    assert search_json("سوريا", stack_env)["total"] == 1
    # Clitic and spelling variants find the same article.
    assert search_json("لداعش", stack_env)["total"] == 1
    assert search_json("سورية", stack_env)["total"] == 1
    assert search_json("ISIS", stack_env)["total"] == 1  # cross-lingual: the text only says داعش


def test_plain_kafka_producer_and_dead_letters(stack_env, worker):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    w = worker()
    producer = KafkaProducer(bootstrap_servers=brokers)
    producer.send(
        settings.topic_raw,
        b'{"title": "Airstrike near Raqqa", '
        b'"text": "Warplanes struck ISIS positions near Raqqa in Syria."}',
    )
    producer.send(settings.topic_raw, b"this is not json")
    producer.send(settings.topic_raw, b'{"title": "no text here"}')
    producer.flush()
    producer.close()

    wait_for(
        lambda: w.check() or search_json("Raqqa", stack_env)["total"] == 1,
        timeout=90,
        message="plain message indexed",
    )
    hit = search_json("Raqqa", stack_env)["hits"][0]
    assert hit["language"] == "en"
    assert {"Q2429253", "SY", "airstrike"} <= {t["id"] for t in hit["tags"]}

    consumer = KafkaConsumer(
        settings.topic_dlq,
        bootstrap_servers=brokers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=20000,
    )
    records = []
    for message in consumer:
        records.append(json.loads(message.value))
        if len(records) == 2:
            break
    consumer.close()
    reasons = sorted(r["reason"] for r in records)
    assert reasons == ["invalid_article", "not_json"]
    originals = {r["reason"]: r["original"] for r in records}
    assert originals["not_json"] == "this is not json"
    assert all(
        r["origin"]["topic"] == settings.topic_raw and "offset" in r["origin"] for r in records
    )


def test_the_same_stream_on_elasticsearch(stack_env, stack_settings, elasticsearch, worker):
    # produce → Kafka → Faust (tagger, indexer) → Elasticsearch → search; bad input dead-lettered.
    env = {
        **stack_env,
        "RASAD_STORE": f"elasticsearch://127.0.0.1:{stack_settings.elasticsearch_port}",
    }
    settings = settings_from(env)
    w = worker(env=env)
    assert "sent 1" in rasad("produce", str(SEED), env=env, check=True).stdout.decode()
    producer = KafkaProducer(bootstrap_servers=settings.bus.bootstrap)
    producer.send(settings.topic_raw, b"this is not json")
    producer.flush()
    producer.close()

    wait_for(
        lambda: w.check() or search_json("داعش", env)["total"] >= 1,
        timeout=90,
        message="seed indexed into Elasticsearch",
    )
    hit = search_json("ISIS", env)["hits"][0]  # cross-lingual: the text only says داعش
    assert hit["title"] == 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'
    assert any("<mark>داعش</mark>" in h for h in hit["highlights"])
    assert search_json("لداعش", env)["total"] == search_json("سورية", env)["total"] == 1

    consumer = KafkaConsumer(
        settings.topic_dlq,
        bootstrap_servers=settings.bus.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=20000,
    )
    dead = next(json.loads(message.value) for message in consumer)
    consumer.close()
    assert dead["reason"] == "not_json" and dead["original"] == "this is not json"

    maintained = rasad("index", "maintain", env=env, check=True).stdout.decode()
    assert f"alias {settings.index_alias}: mapping v{MAPPING_VERSION}" in maintained
