"""Put a source's items on the bus: articles on the raw topic (keyed by id), bad input on the DLQ.

Every article is completed before it is sent (language and confidence, ``ingested_at``).
Exact duplicates — the same id, or the same normalized title and text — are dropped here,
within a run and, through the state store, across runs. An item counts as sent only after the
bus acknowledged it; only then is it recorded in the state store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from producers.sources import Item
from producers.state import State
from rasad.bus import Ack, Bus, dead_letter
from rasad.errors import BadInput, BusError
from rasad.language import detect
from rasad.model import Article, article_id, utcnow
from rasad.settings import Settings

log = logging.getLogger(__name__)
ACK_TIMEOUT = 60.0


@dataclass
class Summary:
    """What a produce run did."""

    read: int = 0
    sent: int = 0
    duplicates: int = 0
    bytes_sent: int = 0
    unacknowledged: int = 0  # articles the bus failed to take: a later run sends them again
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, other: Summary) -> None:
        """Fold another run's counts into this one (follow mode sums its polls)."""
        self.read += other.read
        self.sent += other.sent
        self.duplicates += other.duplicates
        self.bytes_sent += other.bytes_sent
        self.unacknowledged += other.unacknowledged
        self.errors.extend(other.errors)
        self.ids.extend(other.ids)


def complete(article: Article) -> Article:
    """The article with what every article carries: language (with
    confidence) and ingestion time.
    """
    updates: dict = {}
    if article.ingested_at is None:
        updates["ingested_at"] = utcnow()
    if not article.language:
        updates["language"], updates["language_confidence"] = detect(article.body)
    return article.model_copy(update=updates) if updates else article


def dedup_keys(article: Article) -> list[str]:
    """The keys that make two articles the same: the id, and the normalized title + text."""
    return [f"id:{article.id}", f"text:{article_id(None, article.title, article.text)}"]


class Producer:
    """Sends items to one bus, remembering what was acknowledged (in ``state`` when given)."""

    def __init__(self, bus: Bus, settings: Settings, state: State | None = None, batch: int = 500):
        self.bus = bus
        self.settings = settings
        self.state = state
        self.batch = batch
        self._seen: set[str] = set()
        self._lock = threading.Lock()  # the HTTP endpoint sends from several threads

    def send(self, items: Iterable[Item], on_item: Callable[[Item], None] | None = None) -> Summary:
        """Publish every item; return once everything published is acknowledged (or failed)."""
        summary = Summary()
        pending: list[tuple[Item, list[str], str, int, Ack]] = []
        for item in items:
            summary.read += 1
            if item.error is not None:
                self._dead_letter(item, item.error, summary)
            elif item.article is not None:  # always, when there is no error (Item checks)
                self._publish(item, item.article, summary, pending)
            if len(pending) >= self.batch:
                self._settle(pending, summary)
            if on_item:
                on_item(item)
        self.bus.flush()
        self._settle(pending, summary)
        return summary

    def _publish(self, item: Item, article: Article, summary: Summary, pending: list) -> None:
        keys = dedup_keys(article)
        with self._lock:
            if any(k in self._seen for k in keys) or (
                self.state is not None and self.state.seen(keys)
            ):
                summary.duplicates += 1
                return
            self._seen.update(keys)
        try:
            article = complete(article)
            value = article.to_json()
            if len(value) > self.settings.max_message_bytes:
                raise BadInput(
                    f"{item.origin}: article of {len(value):,} bytes, over the "
                    f"{self.settings.max_message_bytes:,} byte message limit",
                    reason="too_large",
                )
        except Exception as exc:  # too large, or text no encoder writes (a lone surrogate)
            self._seen.difference_update(keys)
            error = (
                exc
                if isinstance(exc, BadInput)
                else BadInput(f"{item.origin}: cannot be sent: {exc}", reason="bad_unicode")
            )
            self._dead_letter(item, error, summary)
            return
        try:
            delivery = self.bus.publish(self.settings.topic_raw, article.id, value)
        except BusError as exc:
            self._seen.difference_update(keys)
            summary.unacknowledged += 1
            summary.errors.append(f"{item.origin}: {exc}")
            return
        pending.append((item, keys, article.id, len(value), delivery))

    def _dead_letter(self, item: Item, error: BadInput, summary: Summary) -> None:
        summary.errors.append(str(error))
        log.debug("rejected: %s", error)  # listed in the summary and dead-lettered
        try:
            dead_letter(
                self.bus,
                self.settings.topic_dlq,
                error.reason,
                str(error),
                item.raw,
                {"stage": "producer", "origin": item.origin},
            )
        except BusError as exc:
            summary.errors.append(f"{item.origin}: dead-letter record not sent: {exc}")

    def _settle(self, pending: list, summary: Summary) -> None:
        """Wait for the acknowledgements; record the acknowledged keys in one transaction."""
        acknowledged: list[str] = []
        for item, keys, article_id_, size, delivery in pending:
            try:
                delivery.result(timeout=ACK_TIMEOUT)
            except BusError as exc:
                # Not delivered: a later attempt may send it again.
                self._seen.difference_update(keys)
                summary.unacknowledged += 1
                summary.errors.append(f"{item.origin}: {exc}")
                continue
            acknowledged.extend(keys)
            summary.sent += 1
            summary.bytes_sent += size
            summary.ids.append(article_id_)
        if self.state is not None and acknowledged:
            self.state.mark_sent(acknowledged)
        pending.clear()
