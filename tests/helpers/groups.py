"""Workers in consumer groups on the test stack: a tagger and two alerts workers sharing the
tagged topic's partitions, the group's members, and URLs whose articles land on given partitions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from rasad.model import article_id
from rasad.settings import Settings
from tests.helpers.network import free_port
from tests.helpers.processes import wait_for


def members(brokers: str, group: str) -> int:
    """Members of a stable consumer group; 0 while it rebalances or its coordinator is not up."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=brokers)
    except KafkaError:
        return 0
    try:
        description = admin.describe_groups([group]).get(group, {})
    except KafkaError:
        return 0
    finally:
        admin.close()
    stable = description.get("group_state") == "Stable"
    return len(description.get("members") or []) if stable else 0


def urls_on_partitions(partitions: list[int], tag: str, count: int = 2) -> list[str]:
    """Article URLs whose ids (the tagged topic's keys) land on these partitions, in this order.

    ``tag`` (e.g. the test's worker id) keeps them apart from other tests' on the same stack.
    """
    urls, n = [], 0
    for wanted in partitions:
        while True:
            n += 1
            url = f"https://wire.example/{tag}/zorblax/{n}"
            if (murmur2(article_id(url, "", "").encode()) & 0x7FFFFFFF) % count == wanted:
                urls.append(url)
                break
    return urls


def tagger_and_two_alerters(
    worker: Callable[..., Any], env: dict[str, str], settings: Settings, folder: Path
) -> tuple[Any, list[Any]]:
    """A tagger and two alerts workers in one group, each with its own data dir, once both
    alerts workers hold a share of the partitions: ``(tagger, alerters)``."""

    def own(role: str, worker_id: str, data: str) -> dict[str, str]:
        return {
            **env,
            "RASAD_WORKER_ROLE": role,
            "RASAD_WORKER_ID": worker_id,
            "RASAD_WORKER_WEB_PORT": str(free_port()),
            "RASAD_DATA_DIR": str(folder / data),
        }

    tagger = worker(env=own("tagger", settings.worker_id + "-tag", "tag"))
    group = settings.worker_id + "-alerts"
    alerters = [worker(env=own("alerts", group, f"a{i}")) for i in range(2)]
    brokers = settings.bus.bootstrap
    wait_for(
        lambda: [w.check() for w in (tagger, *alerters)] and members(brokers, group) == 2,
        timeout=120,
        message="two alerts workers in the group",
    )
    return tagger, alerters


def flow_report(brokers: str, prefix: str) -> str:
    """Where a stream's messages are: each topic named ``prefix…`` with its partitions' end
    offsets, and each group's committed offsets on them (a failing stack test's diagnosis)."""
    consumer = KafkaConsumer(bootstrap_servers=brokers)
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith(prefix))
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
        ]
        ends = consumer.end_offsets(partitions)
        lines = [f"{tp.topic}[{tp.partition}] end {ends[tp]}" for tp in partitions]
        for group in sorted(g["group_id"] for g in admin.list_groups()):
            if group.startswith(prefix):
                committed = admin.list_group_offsets(group).get(group, {})
                lines += [
                    f"  {group} at {tp.topic}[{tp.partition}] {meta.offset}"
                    for tp, meta in sorted(committed.items())
                ]
        return "\n".join(lines)
    finally:
        consumer.close()
        admin.close()
