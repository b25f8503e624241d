"""The embedded shell of the indexing stage: tagged articles from
the in-memory bus into the store.
"""

from __future__ import annotations

import logging

from rasad.bus import dead_letter
from rasad.bus.memory import MemoryBus
from rasad.errors import BadInput, StoreError
from rasad.model import Article
from rasad.settings import Settings
from rasad.store import Store

log = logging.getLogger(__name__)


def attach(bus: MemoryBus, settings: Settings, store: Store) -> None:
    """Index every message published to the tagged topic."""

    def on_tagged(key: str | None, value: bytes) -> None:
        origin = {"topic": settings.topic_tagged, "key": key, "stage": "indexer"}
        try:
            report = store.index([Article.from_json(value)])
        except BadInput as exc:
            dead_letter(bus, settings.topic_dlq, exc.reason, str(exc), value, origin)
            return
        except StoreError as exc:
            log.error("store failed on %s: %s", key, exc)
            dead_letter(bus, settings.topic_dlq, "store_error", str(exc), value, origin)
            return
        for _article_id, reason in report.rejected:
            dead_letter(bus, settings.topic_dlq, "rejected_by_store", reason, value, origin)

    bus.subscribe(settings.topic_tagged, on_tagged)
