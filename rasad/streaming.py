"""The Faust application the stages register their agents on (the real-stack runtime).

Messages are raw bytes on every topic: the core model parses them, so a plain kafka-python
or console producer writing JSON to ``articles.raw`` works like ``rasad produce``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

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


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


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
