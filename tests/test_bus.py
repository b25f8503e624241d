"""The bus contract on the embedded memory bus (Kafka's side is covered end to end on the real broker)."""
from __future__ import annotations

import json
import threading

from rasad.bus import dead_letter
from rasad.bus.memory import MemoryBus
from rasad.cli.wiring import open_pipeline
from rasad.settings import Settings


def test_memory_bus_delivers_in_order_and_flush_waits_for_handlers():
    bus = MemoryBus()
    seen: list[tuple[str | None, bytes]] = []
    bus.subscribe("t", lambda k, v: seen.append((k, v)))
    for i in range(100):
        bus.publish("t", str(i), f"m{i}".encode()).result()
    bus.flush()
    assert seen == [(str(i), f"m{i}".encode()) for i in range(100)]
    bus.close()


def test_a_failing_handler_does_not_stop_the_bus():
    bus = MemoryBus()
    got = []
    bus.subscribe("t", lambda k, v: 1 / 0 if v == b"bad" else got.append(v))
    for value in (b"ok1", b"bad", b"ok2"):
        bus.publish("t", None, value)
    bus.flush()
    assert got == [b"ok1", b"ok2"]
    bus.close()


def test_handlers_run_on_one_thread():
    bus = MemoryBus()
    threads = set()
    bus.subscribe("t", lambda k, v: threads.add(threading.get_ident()))
    for _ in range(20):
        bus.publish("t", None, b"x")
    bus.flush()
    assert len(threads) == 1 and threading.get_ident() not in threads
    bus.close()


def test_dead_letters_keep_the_reason_and_the_original_bytes():
    bus = MemoryBus()
    dead_letter(bus, "dlq", "not_json", "message is not JSON", b"\xff\x00raw", {"topic": "articles.raw", "offset": 7})
    bus.flush()
    (key, value), = bus.recent("dlq")
    record = json.loads(value)
    assert record["reason"] == "not_json" and record["origin"]["offset"] == 7
    assert record["encoding"] == "hex" and bytes.fromhex(record["original"]) == b"\xff\x00raw"
    bus.close()


def test_embedded_pipeline_tags_indexes_and_dead_letters(tmp_path):
    settings = Settings(data_dir=tmp_path)
    pipeline = open_pipeline(settings)
    bus = pipeline.bus
    bus.publish(settings.topic_raw, None, '{"title": "غارة", "text": "غارات جوية روسية على مواقع لداعش في الرقة السورية"}'.encode())
    bus.publish(settings.topic_raw, None, b"{broken")
    bus.flush()
    assert pipeline.store.count() == 1
    dead = [json.loads(v) for _, v in bus.recent(settings.topic_dlq)]
    assert [d["reason"] for d in dead] == ["not_json"] and dead[0]["original"] == "{broken"
    tagged = json.loads(bus.recent(settings.topic_tagged)[0][1])
    assert {"Q2429253", "SY", "airstrike"} <= {t["id"] for t in tagged["tags"]}
    pipeline.close()
