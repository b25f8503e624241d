"""What only the memory bus does: in-process subscribers, one
dispatcher thread, ordered delivery.
"""

from __future__ import annotations

import threading

from rasad.bus.memory import MemoryBus


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
