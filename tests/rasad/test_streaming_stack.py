"""On the real stack: a worker reads every message of its topics when Kafka is slow.

A rebalance that ends slowly: Faust resumes the stream partitions, seeks them to the
committed offsets and only then clears the streams' buffers; with a table to recover, the flow
runs meanwhile, so what the fetcher read from the new positions during the seek was cleared
and its offsets passed — never read. A restarted worker missed a message now and then (the
alert-crash and stories tests); a seek that answers late makes it happen every time.

Metadata that is late to show a new topic: a fresh tagger whose subscription met its own
stories hop missing from the metadata was assigned no partition of it for five minutes (CI).
"""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, KafkaProducer

from rasad.bus.kafka import ensure_topics
from tests.helpers.paths import ROOT
from tests.helpers.processes import settings_from, wait_for

pytestmark = pytest.mark.stack

BACKLOG = 3000
SLOW_SEEK = ROOT / "tests" / "helpers" / "slow_seek"
LATE_METADATA = ROOT / "tests" / "helpers" / "late_metadata"


def _produce(brokers: str, topic: str, first: int, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=brokers)
    for n in range(first, first + count):
        body = {
            "url": f"https://wire.example/{n}",
            "title": f"Report {n}",
            "text": f"Report {n}: Russian warplanes struck positions near Raqqa in Syria.",
            "source": "wire.example",
            "language": "en",
        }
        producer.send(topic, value=json.dumps(body).encode(), partition=n % 2)
    producer.flush()
    producer.close()


def _wait_tagged(brokers: str, topic: str, urls: set[str], w) -> None:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", consumer_timeout_ms=500
    )
    seen: set[str] = set()

    def all_there() -> bool:
        w.check()
        seen.update(json.loads(m.value)["url"] for m in consumer)
        return urls <= seen

    try:
        wait_for(all_there, timeout=120, message=f"all {len(urls)} articles tagged")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {len(urls - seen)} never tagged") from exc
    finally:
        consumer.close()


def test_a_restarted_worker_whose_seek_answers_late_reads_every_message(stack_env, worker):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    env = {**stack_env, "RASAD_WORKER_ROLE": "tagger"}
    first = worker(env=env)
    _produce(brokers, settings.topic_raw, 0, 4)
    _wait_tagged(
        brokers, settings.topic_tagged, {f"https://wire.example/{n}" for n in range(4)}, first
    )
    first.stop()  # commits what it read: the restart seeks to committed offsets

    # Waiting for the restarted worker: more than its agents handle during the late answer,
    # so the streams' buffers are full when Faust clears them.
    _produce(brokers, settings.topic_raw, 4, BACKLOG)
    slow = {**env, "PYTHONPATH": str(SLOW_SEEK), "RASAD_TEST_SLOW_SEEK": "2"}
    second = worker(env=slow)
    everything = {f"https://wire.example/{n}" for n in range(4 + BACKLOG)}
    _wait_tagged(brokers, settings.topic_tagged, everything, second)
    assert "slow seek: answering" in second.output()  # the fault was injected


def test_a_fresh_tagger_reads_its_stories_hop_when_the_metadata_is_late_to_show_it(
    stack_env, worker
):
    settings = settings_from(stack_env)
    brokers = settings.bus.bootstrap
    late = {
        **stack_env,
        "RASAD_WORKER_ROLE": "tagger",
        "PYTHONPATH": str(LATE_METADATA),
        "RASAD_TEST_LATE_METADATA": "6",
    }
    ensure_topics(brokers, settings)  # only the stories hop is new to the worker
    tagger = worker(env=late)
    _produce(brokers, settings.topic_raw, 0, 20)
    _wait_tagged(
        brokers, settings.topic_tagged, {f"https://wire.example/{n}" for n in range(20)}, tagger
    )
    assert "late metadata: " in tagger.output()  # the fault was injected
