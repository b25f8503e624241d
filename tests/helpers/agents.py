"""Rasad's Faust agents driven without Kafka, through Faust's ``Agent.test_context()``.

``offline_app`` is the worker's ``RasadApp`` set up as ``rasad.streaming.make_app`` sets it up
where an agent can tell (raw bytes on every topic, tables in memory), with no broker:
``make_app`` needs a kafka:// bus and installs the /metrics lag source, which no test context
uses. ``channels`` are Rasad's topics as in-process channels: what an agent sends to one is read
by iterating a ``subscription`` taken before it is sent (a channel hands a message only to the
iterators alive at that moment).

A test context's ``put`` returns once the agent has taken the message, not once it has handled
it: a test waits for what the agent sends (``received``), never for time to pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import faust

from rasad.settings import Settings
from rasad.streaming import RasadApp, Topics

# Only turns a hang (an agent that never sends) into a failure: no test measures time.
HANG_GUARD = 120.0


def offline_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings of a fresh SQLite store under ``folder``, whatever the environment says."""
    return Settings(
        data_dir=folder, bus="memory://", store=f"sqlite:///{folder / 'rasad.db'}", **overrides
    )


@asynccontextmanager
async def offline_app(settings: Settings, app_id: str = "rasad-test") -> AsyncIterator[faust.App]:
    """A Rasad Faust app that never connects (in-memory tables, raw bytes), in the running loop."""
    app = RasadApp(
        app_id,
        fetch_wait_ms=settings.worker_fetch_wait_ms,
        store="memory://",
        value_serializer="raw",
        key_serializer="raw",
        datadir=str(settings.data_dir / "worker"),
    )
    try:
        yield app
    finally:
        # A stream's acks make Faust build its Kafka consumer, whose thread (never started
        # here) owns an event loop of its own; the worker's shutdown would close it.
        consumer: Any = app.consumer  # Rasad's aiokafka consumer (``rasad.streaming``)
        consumer._thread.thread_loop.close()


def channel(app: faust.App) -> faust.ChannelT:
    """An in-process channel of bytes keys and values, like Rasad's topics."""
    return app.channel(key_type=bytes, value_type=bytes)


def channels(app: faust.App) -> Topics:
    """Rasad's four topics (raw, tagged, dead letters, alerts) as in-process channels."""
    return Topics(channel(app), channel(app), channel(app), channel(app))


def subscription(to: faust.ChannelT) -> faust.ChannelT:
    """An iterator over what is sent to ``to`` from now on (keep it referenced while in use)."""
    return to.__aiter__()


async def received(subscription: faust.ChannelT) -> faust.EventT:
    """The next event sent to the subscription's channel."""
    event: faust.EventT = await asyncio.wait_for(subscription.__anext__(), HANG_GUARD)
    return event
