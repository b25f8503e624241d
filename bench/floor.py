"""A bare Faust worker with a real worker's Kafka traffic and none of its work: the floor under
``rasad bench alerts``' worker CPU and latency figures.

Run as ``python -m bench.floor ROLES`` (RASAD_* variables as for ``rasad worker``). It is built
like ``rasad worker`` (``rasad.streaming.make_app``: the same consumer, fetch and producer
settings, topics and logging) and moves each message along the same hops, untouched:

* tagger: ``articles.raw`` → the one-partition stories hop (and one record in a changelogged
  table, as the story log writes) → ``articles.tagged``;
* indexer: ``articles.tagged`` in batches, as the indexer takes them; nothing written;
* alerts: ``articles.tagged`` in batches, as the alerts agent takes them; one small message per
  article on the alerts topic with the article's ``ingested_at`` (found in its bytes, not
  parsed), so the bench times produce → "alert" through the same hops.

What a real worker spends beyond this floor is Rasad's own work: cleaning, tagging, stories,
bulk requests, matching, the ledger, deliveries. (The floor carries the raw article on every hop;
a tagged one, with its normalized text and tags, is about twice as large: per message, not per
byte, is where Faust and aiokafka spend.)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence

import faust

from alerts.agents import BATCH_SIZE, BATCH_WINDOW
from rasad.bus.kafka import ensure_topics
from rasad.settings import Settings, parse_roles
from rasad.streaming import Topics, batches, make_app, run_worker

# The floor's "alert": the measured rule's name, so the bench reads it like a real one.
RULE = "bench-isis"
_INGESTED = re.compile(rb'"ingested_at"\s*:\s*"([^"]*)"')
_URL = re.compile(rb'"url"\s*:\s*"([^"]*)"')
_ONE_KEY = b"stories"


def register(app: faust.App, topics: Topics, settings: Settings) -> None:
    """Add the bare agents of ``settings.worker_role`` to the app."""
    roles = set(settings.worker_role)
    if "tagger" in roles:
        _tagger(app, topics, settings)
    if "indexer" in roles:
        _indexer(app, topics, settings)
    if "alerts" in roles:
        _alerting(app, topics)


def _tagger(app: faust.App, topics: Topics, settings: Settings) -> None:
    hop = app.topic(
        f"{app.conf.id}-stories", key_type=bytes, value_type=bytes, partitions=1, internal=True
    )
    table = app.Table("stories", partitions=1, key_type=bytes, value_type=bytes)
    remembered = settings.stories_remembered

    @app.agent(topics.raw, name="floor.tagger", concurrency=1)
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await hop.send(key=_ONE_KEY, value=event.value)

    @app.agent(hop, name="floor.stories", concurrency=1)
    async def stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            offset = event.message.offset
            table[b"%d" % (offset % remembered)] = b"{}"
            # spread over the tagged topic's partitions, as article ids are
            await topics.tagged.send(key=b"%d" % offset, value=event.value)


def _indexer(app: faust.App, topics: Topics, settings: Settings) -> None:
    @app.agent(topics.tagged, name="floor.indexer", concurrency=settings.indexer_concurrency)
    async def indexer(stream: faust.StreamT) -> None:
        async for _ in batches(stream, settings.indexer_batch_docs, settings.indexer_batch_seconds):
            pass


def _alerting(app: faust.App, topics: Topics) -> None:
    @app.agent(topics.tagged, name="floor.alerts")
    async def alerts(stream: faust.StreamT) -> None:
        async for events in batches(stream, BATCH_SIZE, BATCH_WINDOW):
            for message in _alerts([event.value for event in events]):
                await topics.alerts.send(key=RULE.encode(), value=message)


def _alerts(articles: Sequence[bytes]) -> list[bytes]:
    """One floor alert per article's JSON: the rule, and the article's URL and ingested time."""
    out = []
    for article in articles:
        ingested, url = _INGESTED.search(article), _URL.search(article)
        alert = {
            "rule": RULE,
            "url": url.group(1).decode() if url else "",
            "latency": {"ingested": ingested.group(1).decode() if ingested else None},
        }
        out.append(json.dumps(alert).encode())
    return out


def main(argv: list[str]) -> None:
    """Run the floor worker for the roles in ``argv[1]`` (as ``rasad worker --role``)."""
    settings = Settings()
    settings = settings.model_copy(update={"worker_role": parse_roles(argv[1])})
    app, topics = make_app(settings)
    ensure_topics(settings.bus.bootstrap, settings)
    register(app, topics, settings)
    run_worker(app, settings)


if __name__ == "__main__":
    main(sys.argv)
