"""The Faust shell of the indexing stage: ``articles.tagged`` → the search store, in batches.

A batch is taken by count or time (``take_events``: N events or ``within`` seconds, whichever
first), written, and only then acknowledged, so Kafka offsets are committed only for articles
that are in the store: a crash re-indexes the last batch (deterministic ids make that
harmless) and never skips one. Writing waits out a search engine outage (see ``indexers.bulk``).
"""

from __future__ import annotations

import logging

import faust

from indexers.sink import Sink
from rasad.bus import dead_letter_record
from rasad.errors import BadInput
from rasad.model import Article
from rasad.settings import Settings
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, settings: Settings, sink: Sink) -> None:
    """Add the indexer agent, writing into ``sink``, to the app."""

    # Two instances overlap one batch's bulk request with the next batch's parsing; the consumer
    # commits only up to the first offset not yet acked, so out-of-order acks never skip.
    @app.agent(topics.tagged, name="rasad.indexer", concurrency=settings.indexer_concurrency)
    async def indexer(stream: faust.StreamT) -> None:
        await sink.start()  # idempotent: each concurrent instance makes sure the alias is ready
        async for events in stream.take_events(
            settings.indexer_batch_docs, within=settings.indexer_batch_seconds
        ):
            try:
                await _index(events, sink, topics)
            except BaseException:
                # take_events acks the batch when this body is left, even by an exception or a
                # shutdown; an unwritten batch must not be committed: mark its messages as
                # already acked so the consumer never records their offsets.
                for event in events:
                    event.message.acked = True
                raise


async def _index(events: list, sink: Sink, topics: Topics) -> None:
    articles = []
    for event in events:
        try:
            articles.append(Article.from_json(event.value))
        except BadInput as exc:
            await topics.dlq.send(
                value=dead_letter_record(exc.reason, str(exc), event.value, _origin(event))
            )
    if not articles:
        return
    for article, reason in await sink.write(articles):
        log.error("indexer: store rejected %s: %s", article.id, reason)
        await topics.dlq.send(
            value=dead_letter_record(
                "rejected_by_store",
                reason,
                article.to_json(),
                {"stage": "indexer", "id": article.id},
            )
        )


def _origin(event) -> dict:
    message = event.message
    return {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "stage": "indexer",
    }
