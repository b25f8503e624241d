"""The Faust shell of the processing stage: ``articles.raw`` → ``articles.tagged`` (or the DLQ).

At-least-once, honestly: the agent runs with ``concurrency=1`` (Faust's default, stated here
so nobody raises it casually). With concurrency > 1 Faust can commit a partition's offset
past messages another actor instance has not finished (faust issue #606), and a crash then
loses them. With one actor per partition an event is acknowledged only when the loop asks
for the next one, after its output was handed to the producer; a crash before the commit
replays it, and replays are harmless: the article id, tags and story id come out the same.
"""
from __future__ import annotations

import logging

import faust

from processors.pipeline import handle_raw
from processors.stories import StoryIndex
from rasad.bus import dead_letter_record
from rasad.concepts import Lexicon
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, lexicon: Lexicon, stories: StoryIndex | None = None) -> None:
    """Add the tagger agent to the app (stories: this worker's index; a fresh one by default)."""
    index = stories if stories is not None else StoryIndex()

    @app.agent(topics.raw, name="rasad.tagger", concurrency=1)
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            outcome = handle_raw(event.value, lexicon, index)
            if outcome.article is not None:
                await topics.tagged.send(key=outcome.article.id.encode(), value=outcome.article.to_json())
                continue
            origin = {"topic": event.message.topic, "partition": event.message.partition,
                      "offset": event.message.offset, "stage": "tagger"}
            log.warning("rejected %s: %s", origin, outcome.error)
            await topics.dlq.send(value=dead_letter_record(outcome.reason, outcome.error, event.value, origin))
