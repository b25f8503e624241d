"""The Faust shell of the processing stage: ``articles.raw`` → ``articles.tagged`` (or the DLQ)."""
from __future__ import annotations

import logging

import faust

from processors.pipeline import handle_raw
from rasad.bus import dead_letter_record
from rasad.concepts import Lexicon
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, lexicon: Lexicon) -> None:
    """Add the tagger agent to the app."""

    @app.agent(topics.raw, name="rasad.tagger")
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            outcome = handle_raw(event.value, lexicon)
            if outcome.article is not None:
                await topics.tagged.send(key=outcome.article.id.encode(), value=outcome.article.to_json())
                continue
            origin = {"topic": event.message.topic, "partition": event.message.partition,
                      "offset": event.message.offset, "stage": "tagger"}
            log.warning("rejected %s: %s", origin, outcome.error)
            await topics.dlq.send(value=dead_letter_record(outcome.reason, outcome.error, event.value, origin))
