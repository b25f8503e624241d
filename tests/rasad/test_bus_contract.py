"""The bus contract on every bus (memory always, Kafka on the real test
stack), opened through the registry.

A publish is acknowledged by ``result()``; what was published can be read back, in order per
key, with its key; ``flush`` waits for everything; dead-letter records keep the reason, the
origin and the original bytes (hex when they are not UTF-8).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer

import wiring
from rasad.bus import Bus, dead_letter
from rasad.bus.memory import MemoryBus
from rasad.settings import Settings
from tests.helpers.processes import wait_for

BUSES = ["memory", pytest.param("kafka", marks=pytest.mark.stack)]
Reader = Callable[[str, int], list[tuple[str | None, bytes]]]


@pytest.fixture(params=BUSES)
def bus_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    tag = "b" + uuid.uuid4().hex[:10]
    topics = {f"topic_{name}": f"{tag}.{name}" for name in ("raw", "tagged", "dlq", "alerts")}
    if request.param == "memory":
        return Settings(data_dir=tmp_path, **topics)
    stack: Settings = request.getfixturevalue("stack_settings")
    request.getfixturevalue("stack")
    return Settings(
        data_dir=tmp_path, bus=f"kafka://127.0.0.1:{stack.kafka_port}", topic_partitions=2, **topics
    )


@pytest.fixture
def bus(bus_settings: Settings) -> Iterator[Bus]:
    opened = wiring.open_bus(bus_settings)
    yield opened
    opened.close()


@pytest.fixture
def read(bus: Bus, bus_settings: Settings) -> Reader:
    """``read(topic, n)``: the first n messages of a topic, as (key, value)."""

    def from_memory(topic: str, n: int) -> list[tuple[str | None, bytes]]:
        assert isinstance(bus, MemoryBus)
        bus.flush()
        return bus.recent(topic)[:n]

    def from_kafka(topic: str, n: int) -> list[tuple[str | None, bytes]]:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bus_settings.bus.bootstrap,
            auto_offset_reset="earliest",
            consumer_timeout_ms=15000,
            group_id=None,
        )
        try:
            got = []
            for message in consumer:
                got.append(
                    (message.key.decode() if message.key is not None else None, message.value)
                )
                if len(got) == n:
                    break
            return got
        finally:
            consumer.close()

    return from_memory if bus_settings.bus.scheme == "memory" else from_kafka


def test_the_registry_opens_the_bus_the_url_names(bus: Bus, bus_settings: Settings) -> None:
    assert (
        type(bus).__name__ == {"memory": "MemoryBus", "kafka": "KafkaBus"}[bus_settings.bus.scheme]
    )


def test_published_messages_are_acknowledged_and_read_back_in_order_per_key(
    bus: Bus, bus_settings: Settings, read: Reader
) -> None:
    topic = bus_settings.topic_raw
    acks = [bus.publish(topic, "k1", f"m{i}".encode()) for i in range(20)]
    for ack in acks:
        ack.result(timeout=30)
    bus.flush(timeout=30)
    assert read(topic, 20) == [("k1", f"m{i}".encode()) for i in range(20)]


def test_a_message_without_key_keeps_its_bytes(
    bus: Bus, bus_settings: Settings, read: Reader
) -> None:
    value = "غارات على الرقة".encode() + b"\x00\xff"
    bus.publish(bus_settings.topic_tagged, None, value).result(timeout=30)
    assert read(bus_settings.topic_tagged, 1) == [(None, value)]


def test_dead_letters_keep_the_reason_the_origin_and_the_original_bytes(
    bus: Bus, bus_settings: Settings, read: Reader
) -> None:
    origin = {"topic": bus_settings.topic_raw, "partition": 0, "offset": 7, "stage": "tagger"}
    dead_letter(
        bus, bus_settings.topic_dlq, "not_json", "message is not JSON", b"\xff\x00raw", origin
    ).result(30)
    dead_letter(
        bus, bus_settings.topic_dlq, "invalid_article", "no text", '{"title": "x"}', origin
    ).result(30)
    # Unkeyed records may land on different partitions: order is only kept within one.
    records = sorted(
        (json.loads(value) for _, value in read(bus_settings.topic_dlq, 2)),
        key=lambda r: r["reason"] != "not_json",
    )
    assert [r["reason"] for r in records] == ["not_json", "invalid_article"]
    assert records[0]["origin"] == origin and records[0]["error"] == "message is not JSON"
    assert (
        records[0]["encoding"] == "hex" and bytes.fromhex(records[0]["original"]) == b"\xff\x00raw"
    )
    assert records[1]["encoding"] == "utf-8" and records[1]["original"] == '{"title": "x"}'
    assert all(r["at"] for r in records)


def test_a_watcher_sees_what_is_published_after_it_started(
    bus: Bus, bus_settings: Settings
) -> None:
    topic, seen, lock = bus_settings.topic_tagged, [], threading.Lock()

    def handler(key: str | None, value: bytes) -> None:
        with lock:
            seen.append((key, value))

    bus.watch(topic, handler)
    # A Kafka watcher starts from the end once it has its partitions: ping until it hears one.
    deadline = time.monotonic() + 30

    def heard_a_ping() -> bool:
        assert time.monotonic() < deadline
        bus.publish(topic, "ping", b"ping").result(timeout=30)
        bus.flush(timeout=30)
        return bool(seen)

    wait_for(heard_a_ping, timeout=30, interval=0.3, message="the watcher to hear a ping")
    for i in range(3):
        bus.publish(topic, "k", f"w{i}".encode()).result(timeout=30)
    bus.flush(timeout=30)
    wait_for(lambda: len([v for k, v in seen if k == "k"]) == 3, timeout=30, interval=0.1)
    assert [v for k, v in seen if k == "k"] == [b"w0", b"w1", b"w2"]
