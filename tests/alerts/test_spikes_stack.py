"""Spike counts on the real stack with two alerts workers sharing the tagged partitions:
every count meets in one place.
"""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer

from alerts.rulestores.opensearch import OpenSearchRuleStore
from rasad.bus.kafka import ensure_topics
from rasad.model import utcnow
from tests.helpers.groups import flow_report, tagger_and_two_alerters, urls_on_partitions
from tests.helpers.processes import rasad, settings_from, wait_for

pytestmark = pytest.mark.stack

REPORTS = [
    "Farmers near the Euphrates in Syria reported a zorblax at dawn on {n}.",
    "A zorblax was filmed over the desert of eastern Syria, witnesses said on {n}.",
    "Officials in Syria confirmed that a zorblax crossed the border overnight on {n}.",
    "Residents of Aleppo in Syria described a loud zorblax over the city on {n}.",
]


def test_two_alerts_workers_count_one_spike_across_their_partitions(stack_env, worker, tmp_path):
    env = {**stack_env, "RASAD_ALERTS_RELOAD_INTERVAL": "1"}
    settings = settings_from(env)
    brokers = settings.bus.bootstrap
    rasad(
        "alerts",
        "add",
        "burst",
        "--query",
        "zorblax",
        "--spike-by",
        "country",
        "--threshold",
        "4",
        "--window",
        "86400",
        env=env,
        check=True,
    )
    ensure_topics(brokers, settings)
    tagger, alerters = tagger_and_two_alerters(worker, env, settings, tmp_path)
    producer = KafkaProducer(bootstrap_servers=brokers)
    # Tagged partitions 0, 1, 0, 1: each alerts worker sees two of the four articles.
    for n, url in enumerate(urls_on_partitions([0, 1, 0, 1], settings.worker_id)):
        body = {
            "url": url,
            "title": f"Zorblax report {n}",
            "text": REPORTS[n].format(n=n),
            "source": "Wire",
            "language": "en",
            "ingested_at": utcnow().isoformat(),
        }
        producer.send(settings.topic_raw, json.dumps(body).encode())
    producer.flush()
    producer.close()
    log = OpenSearchRuleStore(settings.store, prefix=settings.index_alias)

    def fired():
        for w in (tagger, *alerters):
            w.check()
        try:
            return log.alerts("burst")
        except Exception:  # the log index appears with the first record
            return []

    try:
        [spike] = wait_for(fired, timeout=120, message="the spike alert")
    except AssertionError as exc:
        views = "\n".join(
            f"{w.log.name}: {w.diagnosis()}\n{w.output()[-3000:]}" for w in (tagger, *alerters)
        )
        raise AssertionError(f"{exc}\n{flow_report(brokers, settings.worker_id)}\n{views}") from exc
    assert spike.kind == "spike" and spike.spike["key"] == "SY" and spike.spike["count"] == 4
