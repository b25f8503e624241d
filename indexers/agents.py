"""The Faust shell of the indexing stage: ``articles.tagged`` → the search store, in batches.

A batch is taken by count or time (``take_events``: N events or ``within`` seconds, whichever
first), written, and only then acknowledged, so Kafka offsets are committed only for articles
that are in the store: a crash re-indexes the last batch (deterministic ids make that
harmless) and never skips one. Writing waits out a search engine outage (see ``indexers.bulk``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import faust

from indexers.sink import Sink
from rasad import metrics
from rasad.bus import dead_letter_record
from rasad.errors import BadInput, StoreError
from rasad.model import Article
from rasad.settings import Settings
from rasad.streaming import Topics, batches

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, settings: Settings, sink: Sink) -> None:
    """Add the indexer agent, writing into ``sink``, to the app."""

    # Two instances overlap one batch's bulk request with the next batch's parsing; the consumer
    # commits only up to the first offset not yet acked, so out-of-order acks never skip.
    @app.agent(topics.tagged, name="rasad.indexer", concurrency=settings.indexer_concurrency)
    async def indexer(stream: faust.StreamT) -> None:
        await sink.start()  # idempotent: each concurrent instance makes sure the alias is ready
        async for events in batches(
            stream, settings.indexer_batch_docs, settings.indexer_batch_seconds
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


async def _index(events: Sequence[faust.EventT], sink: Sink, topics: Topics) -> None:
    articles = []
    for event in events:
        try:
            articles.append(Article.from_json(event.value))
        except BadInput as exc:
            await _reject(topics, exc.reason, str(exc), event.value, _origin(event))
        except Exception as exc:  # a bug a message triggers: recorded, and the batch goes on
            log.exception("indexer: cannot read %s", _origin(event))
            await _reject(
                topics, "failed", str(exc), event.value, _origin(event), type(exc).__name__
            )
    if not articles:
        return
    for article, reason, error_class in await _write(articles, sink):
        log.error("indexer: store rejected %s: %s", article.id, reason)
        await _reject(
            topics,
            "rejected_by_store" if error_class is None else "failed",
            reason,
            article.to_json(),
            {"stage": "indexer", "id": article.id},
            error_class,
        )
    metrics.handled("indexer", len(articles))


async def _write(articles: list[Article], sink: Sink) -> list[tuple[Article, str, str | None]]:
    """Write a batch; (article, reason, error class) of those rejected for good.

    The sink waits out a store that is away; an exception from it is a bug some article
    triggers (or a store answer nobody planned for): the batch is halved until the article(s)
    that raise are found, and those are rejected with the exception's class.
    """
    try:
        return [(article, reason, None) for article, reason in await sink.write(articles)]
    except StoreError as exc:  # a store call that failed outright: the batch waits, it is not lost
        metrics.store_retry("indexer")
        log.warning("indexer: %s; the batch is written again in 5s", exc)
        await asyncio.sleep(5)
        return await _write(articles, sink)
    except Exception as exc:
        if len(articles) == 1:
            log.exception("indexer: writing %s failed", articles[0].id)
            return [(articles[0], str(exc), type(exc).__name__)]
    half = len(articles) // 2
    return await _write(articles[:half], sink) + await _write(articles[half:], sink)


async def _reject(
    topics: Topics,
    reason: str,
    error: str,
    original: bytes,
    origin: dict,
    error_class: str | None = None,
) -> None:
    metrics.dead_lettered("indexer", reason)
    log.warning("rejected %s: %s", origin, reason, extra={**origin, "reason": reason})
    await topics.dlq.send(value=dead_letter_record(reason, error, original, origin, error_class))


def _origin(event) -> dict:
    message = event.message
    return {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "stage": "indexer",
    }
