"""The Faust application the stages register their agents on (the real-stack runtime).

Messages are raw bytes on every topic: the core model parses them, so a plain kafka-python
or console producer writing JSON to ``articles.raw`` works like ``rasad produce``.
"""
from __future__ import annotations

from dataclasses import dataclass

import faust

from rasad.errors import ConfigError
from rasad.settings import Settings


@dataclass
class Topics:
    """The Faust topic objects of Rasad's topics."""

    raw: faust.TopicT
    tagged: faust.TopicT
    dlq: faust.TopicT
    alerts: faust.TopicT


def make_app(settings: Settings) -> tuple[faust.App, Topics]:
    """A Faust app connected to the Kafka of ``settings.bus`` and Rasad's topics on it."""
    scheme, _, brokers = settings.bus.partition("://")
    if scheme != "kafka":
        raise ConfigError(f"the Faust worker needs a kafka:// bus, not {settings.bus!r} (set RASAD_BUS)")
    (settings.data_dir / "worker").mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.worker_id,
        broker=[f"kafka://{b}" for b in brokers.strip("/").split(",")],
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
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, partitions=settings.topic_partitions)

    return app, Topics(topic(settings.topic_raw), topic(settings.topic_tagged), topic(settings.topic_dlq),
                       topic(settings.topic_alerts))
