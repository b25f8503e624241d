"""The Faust shell of the indexing stage: ``articles.tagged`` → the search store, in batches."""
from __future__ import annotations

import asyncio
import logging

import faust

from rasad.bus import dead_letter_record
from rasad.errors import BadInput
from rasad.model import Article
from rasad.store import Store
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, store: Store, batch_size: int = 500, within: float = 1.0) -> None:
    """Add the indexer agent to the app."""

    @app.agent(topics.tagged, name="rasad.indexer")
    async def indexer(stream: faust.StreamT) -> None:
        async for events in stream.take_events(batch_size, within=within):
            articles = []
            for event in events:
                try:
                    articles.append(Article.from_json(event.value))
                except BadInput as exc:
                    origin = {"topic": event.message.topic, "partition": event.message.partition,
                              "offset": event.message.offset, "stage": "indexer"}
                    await topics.dlq.send(value=dead_letter_record(exc.reason, str(exc), event.value, origin))
            if not articles:
                continue
            report = await asyncio.get_running_loop().run_in_executor(None, store.index, articles)
            for article_id, reason in report.rejected:
                await topics.dlq.send(value=dead_letter_record("rejected_by_store", reason, article_id.encode(),
                                                               {"stage": "indexer", "id": article_id}))
            log.info("indexed %d articles", len(report.indexed))
