"""On the real stack: a Faust worker (role tagger) reads articles.raw and writes tagged articles."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, KafkaProducer

from tests.helpers.processes import settings_from, wait_for

pytestmark = pytest.mark.stack

WIRE = (
    "Russian warplanes carried out air strikes on Islamic State positions near Raqqa, the defence "
    "ministry "
    "in Moscow said on Tuesday, adding that Russia and Israel had agreed on military coordination "
    "over Syria."
)


def test_the_faust_tagger_tags_articles_and_groups_a_story(stack_env, worker):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    w = worker(env={**stack_env, "RASAD_WORKER_ROLE": "tagger"})
    producer = KafkaProducer(bootstrap_servers=brokers)
    for source, title in (
        ("wire-a", "Russian jets strike ISIS near Raqqa"),
        ("wire-b", "Russia strikes ISIS near Raqqa"),
    ):
        producer.send(
            settings.topic_raw,
            key=source.encode(),
            value=json.dumps({"title": title, "text": WIRE, "source": source}).encode(),
        )
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(
        settings.topic_tagged,
        bootstrap_servers=brokers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )
    tagged: list[dict] = []

    def two_tagged() -> bool:
        w.check()
        tagged.extend(json.loads(m.value) for m in consumer)
        return len(tagged) >= 2

    wait_for(two_tagged, timeout=120, message="two tagged articles")
    consumer.close()
    for article in tagged:
        ids = {t["id"] for t in article["tags"]}
        assert {
            "Q2429253",
            "airstrike",
            "military-coordination",
            "RU",
            "SY",
            "IL",
            "geonames:172955",
        } <= ids
        raqqa = next(t for t in article["tags"] if t["id"] == "geonames:172955")
        body = article["title"] + "\n\n" + article["text"]
        assert body[raqqa["spans"][0]["start"] : raqqa["spans"][0]["end"]] == "Raqqa"
    # Both went to partitions of the one worker, so its story index saw both.
    assert tagged[0]["story_id"] == tagged[1]["story_id"]
