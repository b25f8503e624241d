"""The bus contract: publish keyed messages to topics and know when they are acknowledged.

Implementations are chosen by URL scheme in the composition root's registry (``wiring.py``):
``memory://`` (one process, see ``memory.py``) and ``kafka://host:port`` (kafka-python
producer, see ``kafka.py``). Consuming from Kafka is
Faust's job; the memory bus also lets in-process subscribers consume, which is how the
embedded default runs the same processing functions without a broker. Any bus can be
``watch``ed: a live view observes a topic without joining a consumer group.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Protocol

from rasad.model import utcnow
from rasad.settings import Settings


class Ack(Protocol):
    """A pending publish; ``result`` blocks until the bus acknowledged it or raises BusError."""

    def result(self, timeout: float | None = None) -> None: ...


Handler = Callable[[str | None, bytes], None]


class Bus(ABC):
    """Where producers and processors put messages."""

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Bus:
        """The bus at ``settings.bus``."""

    @abstractmethod
    def publish(self, topic: str, key: str | None, value: bytes) -> Ack:
        """Queue one message; the returned Ack tells when it is acknowledged."""

    @abstractmethod
    def watch(self, topic: str, handler: Handler) -> None:
        """Call ``handler(key, value)`` for each message published to ``topic`` from now on.

        For observers (a live dashboard), not for processing: no consumer group, no committed
        offsets, every watcher sees every message; what was published before is not replayed.
        The handler runs on a thread of the bus; it must be quick and must not raise.
        """

    @abstractmethod
    def flush(self, timeout: float | None = None) -> None:
        """Block until every queued message is acknowledged (and, in memory, handled)."""

    def close(self) -> None:  # noqa: B027 - an optional hook: a no-op unless overridden
        """Flush and release connections."""


MAX_ORIGINAL_BYTES = 64 * 1024  # of the original kept in a dead-letter record (it may be huge)


def dead_letter(
    bus: Bus,
    topic: str,
    reason: str,
    error: str,
    original: bytes | str,
    origin: Mapping[str, object],
    error_class: str | None = None,
) -> Ack:
    """Publish a dead-letter record: why it was rejected, where it came from, the original bytes."""
    return bus.publish(
        topic, None, dead_letter_record(reason, error, original, origin, error_class)
    )


def dead_letter_record(
    reason: str,
    error: str,
    original: bytes | str,
    origin: Mapping[str, object],
    error_class: str | None = None,
) -> bytes:
    """The JSON of a dead-letter record; undecodable originals are kept as hex.

    ``error_class`` names the exception when it was not a plain ``BadInput`` (a bug or a limit
    hit while handling the message). The original is cut to ``MAX_ORIGINAL_BYTES`` (``size``
    gives its full length, ``truncated`` says it was cut), so a record always fits on the topic.
    """
    size = len(original)
    if size > MAX_ORIGINAL_BYTES:
        original = original[:MAX_ORIGINAL_BYTES]
    if isinstance(original, bytes):
        try:
            original_text, encoding = original.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if size > MAX_ORIGINAL_BYTES and exc.start >= MAX_ORIGINAL_BYTES - 3:
                original_text, encoding = original[: exc.start].decode("utf-8"), "utf-8"
            else:
                original_text, encoding = original.hex(), "hex"
    else:
        original_text, encoding = original, "utf-8"
    record = {
        "reason": reason,
        "error": error[:2000],
        "error_class": error_class or "BadInput",
        "origin": dict(origin),
        "original": original_text,
        "encoding": encoding,
        "size": size,
        "truncated": size > MAX_ORIGINAL_BYTES,
        "at": utcnow().isoformat(),
    }
    # A lone surrogate (in the original or quoted in the error) cannot be written as UTF-8: "?".
    return json.dumps(record, ensure_ascii=False).encode("utf-8", "replace")
