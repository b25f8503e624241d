"""The worker's Faust consumer: handlers run eagerly keep ``wait_first``'s answers and its race."""

from __future__ import annotations

import asyncio

import pytest

from rasad.streaming import EagerFirst


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
