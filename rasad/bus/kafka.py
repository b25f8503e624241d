"""Kafka through kafka-python: idempotent, acks=all, compressed, keyed by article id."""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.producer.future import FutureRecordMetadata

from rasad.bus import Bus
from rasad.errors import BusError
from rasad.settings import Settings


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

    def publish(self, topic: str, key: str | None, value: bytes) -> _KafkaAck:
        try:
            encoded = key.encode("utf-8") if key is not None else None
            return _KafkaAck(self._producer.send(topic, key=encoded, value=value))
        except KafkaError as exc:
            raise BusError(f"cannot publish to {topic}: {exc}") from exc

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout=timeout)

    def close(self) -> None:
        self._producer.flush()
        self._producer.close()


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
