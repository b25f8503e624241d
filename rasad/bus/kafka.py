"""Kafka through kafka-python: idempotent, acks=all, compressed, keyed by article id."""

from __future__ import annotations

import logging
import threading

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.producer.future import FutureRecordMetadata

from rasad.bus import Bus, Handler
from rasad.errors import BusError
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
                bootstrap_servers=bootstrap.split(","),
                acks="all",
                enable_idempotence=True,
                compression_type="gzip",
                linger_ms=20,
                max_request_size=8 * 1024 * 1024,
                request_timeout_ms=30000,
            )
        except KafkaError as exc:
            raise BusError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
        ensure_topics(bootstrap, settings)
        self._watchers: list[_Watcher] = []

    def watch(self, topic: str, handler: Handler) -> None:
        """A consumer thread of its own, outside any group, from the latest offsets."""
        watcher = _Watcher(self.bootstrap, topic, handler)
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

    def __init__(self, bootstrap: str, topic: str, handler: Handler):
        super().__init__(name=f"watch-{topic}", daemon=True)
        self._stop_event = threading.Event()
        self._handler = handler
        try:
            self._consumer = KafkaConsumer(
                topic,
                bootstrap_servers=bootstrap.split(","),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                fetch_max_wait_ms=50,  # a live view waits for news, not for a full fetch
            )
        except KafkaError as exc:
            raise BusError(f"cannot watch {topic} on {bootstrap}: {exc}") from exc

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
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="rasad-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(n, settings.topic_partitions, 1) for n in names if n not in existing]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    except KafkaError as exc:
        raise BusError(f"cannot create topics on {bootstrap}: {exc}") from exc
    finally:
        admin.close()
