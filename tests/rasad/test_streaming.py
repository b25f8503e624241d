"""The worker's Kafka consumer never commits past a message that is not acknowledged yet,
and its handlers run eagerly keep ``wait_first``'s answers and its race."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from intervaltree import IntervalTree

from rasad.streaming import EagerFirst, _Consumer, _ReadOffsets

PARTITION = TP("articles.tagged", 0)


def consumer() -> _Consumer:
    """The consumer's offset bookkeeping alone (no app, no Kafka)."""
    c = object.__new__(_Consumer)
    c._acked, c._acked_index = defaultdict(list), defaultdict(set)
    c._gap, c._committed_offset = defaultdict(IntervalTree), defaultdict(lambda: None)
    c._first_read = {}
    return c


def ack(c: _Consumer, *offsets: int) -> None:
    c._acked[PARTITION].extend(offsets)
    c._acked_index[PARTITION].update(offsets)


def faust_would_commit(c: _Consumer) -> int | None:
    """What Faust's own consumer commits in the same state (it has the state mutated: a copy)."""
    twin = consumer()
    twin._acked[PARTITION] = list(c._acked[PARTITION])
    twin._committed_offset[PARTITION] = c._committed_offset[PARTITION]
    return faust_aiokafka.Consumer._new_offset(twin, PARTITION)  # Faust's own rule


def test_no_commit_past_an_unacknowledged_message_before_or_after_the_first_commit():
    c = consumer()
    c._first_read[PARTITION] = 0  # offsets 0..9 read; an indexer batch holds 0..4, another 5..9
    ack(c, 5, 6, 7, 8, 9)
    assert faust_would_commit(c) == 10  # Faust's: 0..4 skipped, lost on a crash
    assert c._new_offset(PARTITION) is None
    ack(c, 0, 1, 2, 3, 4)
    assert c._new_offset(PARTITION) == 10
    c._committed_offset[PARTITION] = 10
    ack(c, 11, 12, 13)  # 10 waits for its alert to be delivered
    assert faust_would_commit(c) == 14  # a gap of one message: Faust commits past it
    assert c._new_offset(PARTITION) is None
    ack(c, 10)
    assert c._new_offset(PARTITION) == 14


def test_no_fetched_message_is_dropped_as_already_read():
    c = consumer()
    c._read_offset = _ReadOffsets()
    c._read_offset[PARTITION] = 190  # Faust records the last offset it delivered …
    # … and its fetch loop drops what comes below it: a refetch after a seek, never processed.
    assert c._read_offset[PARTITION] is None
    assert dict(c._read_offset) == {PARTITION: 190}  # kept for whatever else reads it


def test_a_jump_in_offsets_is_not_counted_as_done():
    c = consumer()
    c._committed_offset[PARTITION] = 100
    asyncio.run(c._add_gap(PARTITION, 100, 102))  # Faust's reading: a hole in the log
    ack(c, 102, 103)
    assert c._new_offset(PARTITION) is None  # 100 and 101 were never processed


class _Service(EagerFirst):
    pass


async def _quick(value: int) -> int:
    return value * 2


async def _slow(gate: asyncio.Event, value: int) -> int:
    await gate.wait()
    return value * 3


async def _failing() -> None:
    raise ValueError("bad message")


def test_a_handler_that_need_not_wait_is_answered_without_the_race():
    async def run():
        service, flow = _Service(), asyncio.Event()
        results = await service.wait_first(_quick(21), flow.wait())
        return results, asyncio.all_tasks()

    (done, values, stopped), tasks = asyncio.run(run())
    assert values == [42] and len(done) == 1 and not stopped
    assert len(tasks) == 1  # only the test's own task: no task was started for the race


def test_a_handler_that_waits_is_resumed_and_finishes():
    async def run():
        service, flow, gate = _Service(), asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, gate.set)
        return await service.wait_first(_slow(gate, 5), flow.wait())

    _, values, stopped = asyncio.run(run())
    assert 15 in values and not stopped


def test_a_waiting_handler_still_loses_the_race_to_a_suspension():
    async def run():
        service, flow, gate = _Service(), asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, flow.set)
        return await service.wait_first(_slow(gate, 5), flow.wait())

    done, values, _ = asyncio.run(run())
    assert values == [True] and len(done) == 1  # the suspension's wait won; the handler did not


def test_a_failing_handler_raises_as_it_would_in_the_race():
    async def run():
        return await _Service().wait_first(_failing(), asyncio.Event().wait())

    with pytest.raises(ValueError, match="bad message"):
        asyncio.run(run())
