"""On the real stack: stories are shared across partitions and survive a
worker restart (changelogged table).
"""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, KafkaProducer

from tests.helpers.processes import settings_from, wait_for

pytestmark = pytest.mark.stack

WIRE = (
    "Russian warplanes carried out air strikes on Islamic State positions near Raqqa on Tuesday, "
    "the defence "
    "ministry in Moscow said, adding that Russia and Israel had agreed on military coordination "
    "over Syria "
    "to avoid incidents between their aircraft, while Washington said it had not been consulted."
)
COPIES = [
    ("https://wire-a.example/1", "Russian jets strike ISIS near Raqqa", WIRE),
    ("https://wire-b.example/2", "Russia strikes ISIS near Raqqa", "MOSCOW (Agency) - " + WIRE),
    (
        "https://wire-c.example/3",
        "Russian air strikes near Raqqa",
        WIRE + " Read more on our site.",
    ),
]


def _produce(
    brokers: str, topic: str, copies: list[tuple[str, str, str]], partitions: list[int]
) -> None:
    producer = KafkaProducer(bootstrap_servers=brokers)
    for (url, title, text), partition in zip(copies, partitions, strict=True):
        value = json.dumps(
            {"url": url, "title": title, "text": text, "source": url.split("/")[2]}
        ).encode()
        producer.send(topic, key=url.encode(), value=value, partition=partition)
    producer.flush()
    producer.close()


def _tagged(brokers: str, topic: str, count: int, w) -> dict[str, dict]:
    """The first ``count`` distinct tagged articles, by url."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", consumer_timeout_ms=1000
    )
    found: dict[str, dict] = {}

    def enough() -> bool:
        w.check()
        for message in consumer:
            article = json.loads(message.value)
            found[article["url"]] = article
        return len(found) >= count

    try:
        wait_for(enough, timeout=180, message=f"{count} tagged articles")
    finally:
        consumer.close()
    return found


def test_near_duplicates_on_different_partitions_and_across_a_restart_share_a_story(
    stack_env, worker
):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    # Remembering 2 articles: the third deletes the first one's keys (tombstones on the changelog).
    env = {**stack_env, "RASAD_WORKER_ROLE": "tagger", "RASAD_STORIES_REMEMBERED": "2"}
    first = worker(env=env)
    _produce(brokers, settings.topic_raw, COPIES[:2], partitions=[0, 1])
    tagged = _tagged(brokers, settings.topic_tagged, 2, first)
    a, b = (tagged[url] for url, _, _ in COPIES[:2])
    assert a["id"] != b["id"]
    assert a["story_id"] == b["story_id"] in (a["id"], b["id"])  # the story of whichever came first

    first.stop()
    second = worker(env=env)
    _produce(brokers, settings.topic_raw, COPIES[2:], partitions=[1])
    tagged = _tagged(brokers, settings.topic_tagged, 3, second)
    third = tagged[COPIES[2][0]]
    assert third["id"] not in (a["id"], b["id"])
    assert (
        third["story_id"] == a["story_id"]
    )  # the new worker restored the story table from its changelog
    # (the third article found the story before its write made the first article's keys go)
