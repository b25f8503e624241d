"""The Faust application the stages register their agents on (the real-stack runtime).

Messages are raw bytes on every topic: the core model parses them, so a plain kafka-python
or console producer writing JSON to ``articles.raw`` works like ``rasad produce``.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service
from mode.services import WaitResults

from rasad.errors import ConfigError
from rasad.settings import Settings


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    # Faust hard-codes fetch_max_wait_ms=1500 for the worker's consumer: the broker holds each
    # fetch up to 1.5 s, which adds up to ~1.5 s per stream hop (raw → tagged → alerts) whenever
    # a partition was idle. Rasad's alerts promise sub-second latency, so the wait is a setting.
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = (
            self.app.conf.rasad_fetch_wait_ms
        )  # read by AIOKafkaConsumer.start()
        return consumer


_PAUSED_POLL = 0.02  # seconds between looks at paused partitions (see _Consumer.sleep)


class EagerFirst(Service):
    """``wait_first`` that runs its first coroutine at once when the race is one it cannot lose.

    Faust's fetch loop hands each message to its topic's handler through ``wait_first``, racing
    it against a flow suspension (a rebalance): four tasks and an ``asyncio.wait`` per message,
    the worker's largest cost per article. The handler almost always finishes without waiting
    (it queues the message): then it is run here, eagerly. Only when it must wait (a full stream
    buffer) does the race happen, the handler resumed where it stopped.
    """

    async def wait_first(self, *coros: Any, timeout: Any = None) -> WaitResults:
        handler = coros[0] if len(coros) == 2 and timeout is None else None
        if not asyncio.iscoroutine(handler) or self._stopped.is_set() or self._crashed.is_set():
            return await super().wait_first(*coros, timeout=timeout)
        try:
            waiting = handler.send(None)
        except BaseException as ended:  # finished (StopIteration) or failed: no race run
            if asyncio.iscoroutine(coros[1]):
                coros[1].close()  # the other side's wait, never started
            if isinstance(ended, StopIteration):
                return WaitResults([handler], [ended.value], False)
            raise
        return await super().wait_first(_rest_of(handler, waiting), coros[1])


class _Consumer(EagerFirst, faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:
        # The fetch loop asks for records of the partitions not paused, waiting up to a second
        # for some; a partition resumed meanwhile (its stream's buffer drained) waits out the
        # rest of that second. Shorter waits: it is looked at again within a tenth of one.
        return super().getmany(min(timeout, _PAUSED_POLL * 5))

    async def sleep(self, n: Any) -> None:
        # With every partition it reads paused because their streams' buffers are full, Faust's
        # fetch loop sleeps a whole second; the buffers drain much sooner than that (the
        # indexer empties one in a fraction of a second). Poll for the first to resume instead.
        if n == 1 and self._buffered_partitions and not self._get_active_partitions():
            n = _PAUSED_POLL
        await super().sleep(n)


async def _rest_of(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Any:
    """A coroutine object for the rest of ``coroutine`` (mode wants ``Awaitable``s)."""
    return await _resumed(coroutine, waiting)


@types.coroutine
def _resumed(coroutine: Coroutine[Any, Any, Any], waiting: Any) -> Generator[Any, Any, Any]:
    """The rest of a coroutine that was started by hand and now waits on ``waiting``."""
    while True:
        try:
            answer = yield waiting
        except BaseException as exc:  # cancelled, or the awaited future failed: passed on
            try:
                waiting = coroutine.throw(exc)
            except StopIteration as finished:
                return finished.value
        else:
            try:
                waiting = coroutine.send(answer)
            except StopIteration as finished:
                return finished.value


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class RasadApp(faust.App):
    """A Faust app whose Kafka consumer waits at most ``worker_fetch_wait_ms`` per fetch."""

    def __init__(self, *args: Any, fetch_wait_ms: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.conf.rasad_fetch_wait_ms = fetch_wait_ms

    def _new_transport(self) -> _Transport:
        return _Transport(self.conf.broker_consumer, self)


@dataclass
class Topics:
    """The Faust topic objects of Rasad's topics."""

    raw: faust.TopicT
    tagged: faust.TopicT
    dlq: faust.TopicT
    alerts: faust.TopicT


def make_app(settings: Settings) -> tuple[faust.App, Topics]:
    """A Faust app connected to the Kafka of ``settings.bus`` and Rasad's topics on it."""
    if settings.bus.scheme != "kafka":
        raise ConfigError(
            f"the Faust worker needs a kafka:// bus, not {settings.bus} (set RASAD_BUS)"
        )
    (settings.data_dir / "worker").mkdir(parents=True, exist_ok=True)
    app = RasadApp(
        settings.worker_id,
        fetch_wait_ms=settings.worker_fetch_wait_ms,
        broker=[f"kafka://{b}" for b in settings.bus.brokers],
        store="memory://",
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        web_port=settings.worker_web_port,
        web_host="127.0.0.1",
        datadir=str(settings.data_dir / "worker"),
        producer_acks=-1,
        producer_linger=settings.worker_producer_linger_ms / 1000,
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )

    def topic(name: str) -> faust.TopicT:
        return app.topic(
            name, key_type=bytes, value_type=bytes, partitions=settings.topic_partitions
        )

    return app, Topics(
        topic(settings.topic_raw),
        topic(settings.topic_tagged),
        topic(settings.topic_dlq),
        topic(settings.topic_alerts),
    )
