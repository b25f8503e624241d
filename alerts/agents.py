"""The Faust shell of the alerting stage: ``articles.tagged`` → alerts (topic + destinations).

Events are taken in small batches: matching and spike counting run inline on the event loop
(counts live in a changelogged Faust table, so a restarted worker keeps them; matching is ~1 ms
an article, and a thread would not help, it would only contend for the GIL), then one ledger
call claims every alert of the batch on the executor. The batch's alerts are put on the topic
without awaiting each send (the producer buffer, which Faust flushes before committing offsets:
awaiting hundreds of sends one by one yields the loop to the other agents hundreds of times),
and recording and delivery run on the dispatcher's threads: the stream never waits for them.
Spike counts assume one alerts worker: the table is keyed by rule/concept/window, not
co-partitioned with the articles, so several workers would each count a share.
"""
from __future__ import annotations

import asyncio
import logging

import faust

from alerts.delivery.dispatcher import Dispatcher
from alerts.evaluator import Evaluator
from rasad.errors import BadInput, RasadError
from rasad.model import Article
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(app: faust.App, topics: Topics, evaluator: Evaluator, dispatcher: Dispatcher,
             reload_interval: float = 2.0, batch_size: int = 200, batch_window: float = 0.02) -> None:
    """Add the alerts agent, its spike table and the rule-reload timer to the app."""
    evaluator.spike_table = app.Table("rasad-alert-spikes", default=int, partitions=topics.tagged.partitions,
                                       key_type=str, value_type=int,  # JSON-serialized
                                       # Counts are updated for a batch of events at once, so the
                                       # changelog partition comes from the key, not the current event.
                                       use_partitioner=True)
    evaluator.reload_interval = 0.0  # the timer below paces reloads
    # Loaded before the worker starts: an article consumed before the rules were in would never alert.
    evaluator.reload(force=True)

    @app.timer(reload_interval)
    async def reload_rules() -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, evaluator.reload)
        except RasadError as exc:
            log.error("cannot reload alert rules: %s", exc)

    @app.agent(topics.tagged, name="rasad.alerts")
    async def alerts(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        # Small batches: one ledger round trip for all alerts of the articles that arrived within
        # ``batch_window`` seconds, instead of one per article (which caps the stream at ~100/s).
        async for events in stream.take_events(batch_size, within=batch_window):
            candidates = []
            for event in events:
                try:
                    article = Article.from_json(event.value)
                except BadInput:
                    continue  # the indexer dead-letters it
                candidates += evaluator.match(article)  # updates the spike table inline
            if not candidates:
                continue
            try:
                admitted = await loop.run_in_executor(None, evaluator.admit, candidates)
            except RasadError as exc:
                first = events[0].message
                log.error("alert ledger failed for %d article(s) from %s/%s@%s: %s", len(events), first.topic,
                          first.partition, first.offset, exc)
                continue
            for alert, rule, _ in admitted:
                topics.alerts.send_soon(key=rule.name.encode(), value=alert.model_dump_json().encode("utf-8"))
            dispatcher.submit_background(admitted)  # one bulk record, then delivery threads
