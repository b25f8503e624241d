"""Put a source's articles on the bus: valid ones on the raw topic (keyed by id), bad ones on the DLQ.

An item counts as sent only after the bus acknowledged it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from producers.sources import Item
from rasad.bus import Bus, dead_letter
from rasad.errors import BusError
from rasad.model import utcnow
from rasad.settings import Settings


@dataclass
class Summary:
    """What a produce run did."""

    read: int = 0
    sent: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def deliver(items: Iterable[Item], bus: Bus, settings: Settings,
            on_item: Callable[[Item], None] | None = None) -> Summary:
    """Publish every item; return the summary once everything published is acknowledged."""
    summary = Summary()
    pending = []
    seen: set[str] = set()
    for item in items:
        summary.read += 1
        if item.error is not None:
            summary.errors.append(str(item.error))
            dead_letter(bus, settings.topic_dlq, item.error.reason, str(item.error), item.raw,
                        {"stage": "producer", "origin": item.origin})
        elif item.article.id in seen:
            summary.duplicates += 1
        else:
            article = item.article
            seen.add(article.id)
            if article.ingested_at is None:
                article = article.model_copy(update={"ingested_at": utcnow()})
            pending.append((item, article.id, bus.publish(settings.topic_raw, article.id, article.to_json())))
        if on_item:
            on_item(item)
    bus.flush()
    for item, article_id, delivery in pending:
        try:
            delivery.result(timeout=30)
            summary.sent += 1
            summary.ids.append(article_id)
        except BusError as exc:
            summary.errors.append(f"{item.origin}: {exc}")
    return summary
