"""Kafka through kafka-python: idempotent, acks=all, compressed, keyed by article id."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.producer.future import FutureRecordMetadata

from rasad.bus import Bus, Handler
from rasad.errors import BusError
from rasad.metrics import Lag
from rasad.settings import Settings

log = logging.getLogger(__name__)


class _KafkaAck:
    def __init__(self, future: FutureRecordMetadata):
        self._future = future

    def result(self, timeout: float | None = None) -> None:
        try:
            self._future.get(timeout=timeout)
        except KafkaError as exc:
            raise BusError(f"Kafka did not acknowledge the message: {exc}") from exc


class KafkaBus(Bus):
    """Publishes to a Kafka cluster; creates Rasad's topics on first use."""

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaBus:
        return cls(settings.bus.bootstrap, settings)

    def __init__(self, bootstrap: str, settings: Settings):
        self.bootstrap = bootstrap
        try:
            self._producer = KafkaProducer(
                **_options(settings, bootstrap),
                acks="all",
                enable_idempotence=True,
                compression_type="gzip",
                linger_ms=20,
                max_request_size=settings.max_message_bytes + 64 * 1024,
                request_timeout_ms=30000,
            )
        except KafkaError as exc:
            raise BusError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
        ensure_topics(bootstrap, settings)
        self._options = _options(settings, bootstrap)
        self._watchers: list[_Watcher] = []

    def watch(self, topic: str, handler: Handler) -> None:
        """A consumer thread of its own, outside any group, from the latest offsets."""
        watcher = _Watcher(self._options, topic, handler)
        watcher.start()
        self._watchers.append(watcher)

    def publish(self, topic: str, key: str | None, value: bytes) -> _KafkaAck:
        try:
            encoded = key.encode("utf-8") if key is not None else None
            return _KafkaAck(self._producer.send(topic, key=encoded, value=value))
        except KafkaError as exc:
            raise BusError(f"cannot publish to {topic}: {exc}") from exc

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout=timeout)

    def close(self) -> None:
        for watcher in self._watchers:
            watcher.stop()
        self._producer.flush()
        self._producer.close()


class _Watcher(threading.Thread):
    """Reads a topic from its end, outside any consumer group, and hands each message on."""

    def __init__(self, options: dict[str, Any], topic: str, handler: Handler):
        super().__init__(name=f"watch-{topic}", daemon=True)
        self._stop_event = threading.Event()
        self._handler = handler
        try:
            self._consumer = KafkaConsumer(
                topic,
                **options,  # the bus's servers, TLS and SASL
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                fetch_max_wait_ms=50,  # a live view waits for news, not for a full fetch
            )
        except KafkaError as exc:
            servers = ",".join(options["bootstrap_servers"])
            raise BusError(f"cannot watch {topic} on {servers}: {exc}") from exc

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                batches = self._consumer.poll(timeout_ms=200)
            except KafkaError as exc:  # the broker went away: say so, keep trying
                log.warning("watching Kafka failed, retrying: %s", exc)
                self._stop_event.wait(1.0)
                continue
            for records in batches.values():
                for record in records:
                    key = record.key.decode("utf-8", "replace") if record.key else None
                    try:
                        self._handler(key, record.value)
                    except Exception:  # a watcher's bug must not stop the watching; logged loudly
                        log.exception("watch handler failed on %s", key)
        self._consumer.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def ensure_topics(bootstrap: str, settings: Settings) -> None:
    """Create Rasad's topics if missing (idempotent)."""
    names = [settings.topic_raw, settings.topic_tagged, settings.topic_dlq, settings.topic_alerts]
    admin = KafkaAdminClient(**_options(settings, bootstrap), client_id="rasad-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(n, settings.topic_partitions, 1) for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
    except KafkaError as exc:
        raise BusError(f"cannot create topics on {bootstrap}: {exc}") from exc
    finally:
        admin.close()


def _options(settings: Settings, bootstrap: str | None = None) -> dict[str, Any]:
    """kafka-python's options for the bus of ``settings`` (TLS, SASL), at ``bootstrap``."""
    options = settings.bus.kafka_options()
    if bootstrap:
        options["bootstrap_servers"] = bootstrap.split(",")
    return options


def consumer_lag(settings: Settings, groups: list[str] | None = None) -> list[Lag]:
    """Each partition's lag for the consumer groups ``groups`` (default: every group on the bus).

    Committed offsets come from the group coordinator, end offsets from the partition leaders;
    a partition a group never committed counts from its start. ``BusError`` if Kafka is away.
    """
    options = _options(settings)
    try:
        admin = KafkaAdminClient(**options, client_id="rasad-lag", request_timeout_ms=5000)
    except KafkaError as exc:
        raise BusError(f"cannot reach Kafka at {settings.bus.bootstrap}: {exc}") from exc
    consumer = None
    try:
        names = groups if groups is not None else sorted(g["group_id"] for g in admin.list_groups())
        committed = admin.list_group_offsets(dict.fromkeys(names)) if names else {}
        partitions = {tp for offsets in committed.values() for tp in offsets}
        consumer = KafkaConsumer(**options, client_id="rasad-lag", request_timeout_ms=5000)
        ends = consumer.end_offsets(list(partitions)) if partitions else {}
    except KafkaError as exc:
        raise BusError(f"cannot read consumer lag from {settings.bus.bootstrap}: {exc}") from exc
    finally:
        admin.close()
        if consumer is not None:
            consumer.close()
    return [
        Lag(name, tp.topic, tp.partition, max(0, meta.offset), ends.get(tp, 0))
        for name, offsets in committed.items()
        for tp, meta in sorted(offsets.items())
    ]
