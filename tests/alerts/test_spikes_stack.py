"""Spike counts on the real stack with two alerts workers sharing the tagged partitions:
every count meets in one place.
"""

from __future__ import annotations

import json

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.partitioner.default import murmur2

from alerts.rulestores.opensearch import OpenSearchRuleStore
from rasad.bus.kafka import ensure_topics
from rasad.model import article_id, utcnow
from tests.helpers.network import free_port
from tests.helpers.processes import rasad, settings_from, wait_for

pytestmark = pytest.mark.stack

REPORTS = [
    "Farmers near the Euphrates in Syria reported a zorblax at dawn on {n}.",
    "A zorblax was filmed over the desert of eastern Syria, witnesses said on {n}.",
    "Officials in Syria confirmed that a zorblax crossed the border overnight on {n}.",
    "Residents of Aleppo in Syria described a loud zorblax over the city on {n}.",
]


def _urls_on_partitions(partitions: list[int], count: int = 2) -> list[str]:
    """Article URLs whose ids (the tagged topic's keys) land on these partitions, in this order."""
    urls, n = [], 0
    for wanted in partitions:
        while True:
            n += 1
            url = f"https://wire.example/zorblax/{n}"
            if (murmur2(article_id(url, "", "").encode()) & 0x7FFFFFFF) % count == wanted:
                urls.append(url)
                break
    return urls


def _members(brokers: str, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    try:
        description = admin.describe_groups([group]).get(group, {})
    finally:
        admin.close()
    return (
        len(description.get("members") or []) if description.get("group_state") == "Stable" else 0
    )


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
    tagger = worker(
        env={
            **env,
            "RASAD_WORKER_ROLE": "tagger",
            "RASAD_WORKER_ID": settings.worker_id + "-tag",
            "RASAD_WORKER_WEB_PORT": str(free_port()),
            "RASAD_DATA_DIR": str(tmp_path / "tag"),
        }
    )
    group = settings.worker_id + "-alerts"
    alerters = [
        worker(
            env={
                **env,
                "RASAD_WORKER_ROLE": "alerts",
                "RASAD_WORKER_ID": group,
                "RASAD_WORKER_WEB_PORT": str(free_port()),
                "RASAD_DATA_DIR": str(tmp_path / f"a{i}"),
            }
        )
        for i in range(2)
    ]
    # Both alerts workers hold a share of the partitions before anything is produced.
    wait_for(
        lambda: [w.check() for w in (tagger, *alerters)] and _members(brokers, group) == 2,
        timeout=120,
        message="two alerts workers in the group",
    )
    producer = KafkaProducer(bootstrap_servers=brokers)
    # Tagged partitions 0, 1, 0, 1: each alerts worker sees two of the four articles.
    for n, url in enumerate(_urls_on_partitions([0, 1, 0, 1])):
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

    [spike] = wait_for(fired, timeout=120, message="the spike alert")
    assert spike.kind == "spike" and spike.spike["key"] == "SY" and spike.spike["count"] == 4
