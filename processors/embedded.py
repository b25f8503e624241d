"""The embedded shell of the processing stage: the same ``handle_raw`` on the in-memory bus."""

from __future__ import annotations

import logging

from processors.pipeline import handle_raw
from processors.stories import EMBEDDED_CAPACITY, StoryIndex
from rasad.bus import dead_letter
from rasad.bus.memory import MemoryBus
from rasad.concepts import Lexicon
from rasad.payload import clean_text
from rasad.settings import Settings

log = logging.getLogger(__name__)


def attach(bus: MemoryBus, settings: Settings, lexicon: Lexicon) -> None:
    """Tag every message published to the raw topic; publish it tagged, or dead-letter it."""
    # In memory, as on the real stack: the setting's count, up to a cap.
    stories = StoryIndex(
        capacity=min(settings.stories_remembered, EMBEDDED_CAPACITY),
        horizon=settings.stories_horizon_hours * 3600,
    )

    def on_raw(key: str | None, value: bytes) -> None:
        outcome = handle_raw(value, lexicon, stories, max_chars=settings.max_article_chars)
        if outcome.article is not None:
            bus.publish(settings.topic_tagged, outcome.article.id, outcome.article.to_json())
        else:
            log.warning("rejected message %s: %s", key, clean_text(outcome.error or ""))
            dead_letter(
                bus,
                settings.topic_dlq,
                outcome.reason or "failed",
                outcome.error or "",
                value,
                {"topic": settings.topic_raw, "key": key, "stage": "tagger"},
                outcome.error_class,
            )

    bus.subscribe(settings.topic_raw, on_raw)
