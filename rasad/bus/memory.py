"""The in-process bus of the embedded default: a queue and one dispatcher thread.

Handlers subscribed to a topic run on the dispatcher thread, one message at a time, in
publish order, like a single-partition consumer. ``flush`` waits until everything published
so far (including what handlers published in turn) has been handled.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict, deque

from rasad.bus import Bus, Handler
from rasad.settings import Settings

log = logging.getLogger(__name__)


class _Done:
    def result(self, timeout: float | None = None) -> None:
        return None


class MemoryBus(Bus):
    """A bus inside one process."""

    @classmethod
    def from_settings(cls, settings: Settings) -> MemoryBus:
        return cls()

    def __init__(self, keep: int = 1000):
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._recent: dict[str, deque[tuple[str | None, bytes]]] = defaultdict(
            lambda: deque(maxlen=keep)
        )
        self._queue: queue.Queue[tuple[str, str | None, bytes] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._dispatch, name="memory-bus", daemon=True)
        self._thread.start()

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Call ``handler(key, value)`` for every message published to ``topic`` from now on."""
        self._handlers[topic].append(handler)

    def watch(self, topic: str, handler: Handler) -> None:
        """Like ``subscribe``: the handler runs on the dispatcher thread, after earlier ones."""
        self.subscribe(topic, handler)

    def publish(self, topic: str, key: str | None, value: bytes) -> _Done:
        self._queue.put((topic, key, value))
        return _Done()

    def recent(self, topic: str) -> list[tuple[str | None, bytes]]:
        """The last messages published to a topic (bounded), oldest first."""
        return list(self._recent[topic])

    def flush(self, timeout: float | None = None) -> None:
        self._queue.join()

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _dispatch(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                topic, key, value = item
                self._recent[topic].append((key, value))
                for handler in self._handlers.get(topic, ()):
                    try:
                        handler(key, value)
                    except Exception:  # a handler bug must not stop the bus; it is logged loudly
                        log.exception("handler for %s failed on key %s", topic, key)
            finally:
                self._queue.task_done()
