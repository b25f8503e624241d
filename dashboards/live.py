"""Live views: articles just seen on the bus, counted beside the store until it has them too.

The store shows an article only once it is indexed (on OpenSearch: the indexer's batch, then a
refresh, ~1-2 s), so a live page would lag the stream. ``Live`` is fed every tagged article
as the bus carries it (``on_message``, from any thread): it keeps them in a small store of its
own (an in-memory SQLite, the same matching and counting as any store) for ``keep`` seconds.
A page's answer is then ``store(excluding those ids) + fresh(those)``: exact, never counted
twice, and on screen as soon as the article is tagged. Each change wakes the pages' streams.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from rasad.errors import BadInput
from rasad.model import Article
from rasad.store import Aggregated, AggregationRequest, Store

log = logging.getLogger(__name__)


class Live:
    """The articles of the last ``keep`` seconds from the bus, and who is waiting for news."""

    def __init__(self, open_fresh: Callable[[], Store], keep: float = 60.0, limit: int = 5000):
        self._open = open_fresh
        self._fresh = open_fresh()
        self._keep = keep
        self._limit = limit
        self._articles: dict[str, tuple[float, Article]] = {}
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.version = 0

    def on_message(self, key: str | None, value: bytes) -> None:
        """A bus handler for the tagged topic: remember the article, wake the waiting pages."""
        try:
            article = Article.from_json(value)
        except BadInput as exc:  # the tagger wrote it, so this is a bug upstream: say so, go on
            log.warning("live view skipped an unreadable tagged message %s: %s", key, exc)
            return
        with self._lock:
            self._fresh.index([article])
            self._articles[article.id] = (time.monotonic(), article)
            self._expire()
            self.version += 1
            waiters = list(self._waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    def _expire(self) -> None:
        """Forget articles older than ``keep`` (rebuilding the small store, in batches)."""
        oldest = min((t for t, _ in self._articles.values()), default=time.monotonic())
        # Hysteresis: rebuild once the oldest is 10 s past due, not on every message.
        if time.monotonic() - oldest < self._keep + 10 and len(self._articles) <= self._limit:
            return
        cutoff = time.monotonic() - self._keep
        kept = sorted((t, a.id, a) for t, a in self._articles.values() if t >= cutoff)
        kept = kept[-self._limit // 2 :]
        self._articles = {i: (t, a) for t, i, a in kept}
        fresh = self._open()
        fresh.index([a for _, _, a in kept])
        self._fresh, old = fresh, self._fresh
        old.close()

    def snapshot(self, request: AggregationRequest) -> tuple[frozenset[str], Aggregated]:
        """The ids held now and their aggregation (the store's part must exclude exactly these)."""
        with self._lock:
            ids = frozenset(self._articles)
            if not ids:
                return ids, Aggregated()
            return ids, self._fresh.aggregate(replace(request, exclude=frozenset()))

    async def wait(self, seen: int, timeout: float) -> int:
        """Wait until the version moves past ``seen`` (or ``timeout`` s pass); the version."""
        if self.version != seen:
            return self.version
        event, loop = asyncio.Event(), asyncio.get_running_loop()
        with self._lock:
            self._waiters.add((loop, event))
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard((loop, event))
        return self.version

    def close(self) -> None:
        with self._lock:
            self._fresh.close()
