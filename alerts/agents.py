"""The Faust shell of the alerting stage: ``articles.tagged`` → alerts (topic + destinations).

Spike counts live in a Faust table (changelogged, so a restarted worker keeps them) updated on
the agent's own event, inline; rule-store calls (reload, ledger claims) run on the executor so
the event loop keeps consuming; deliveries run on the dispatcher's threads.
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
             reload_interval: float = 2.0) -> None:
    """Add the alerts agent, its spike table and the rule-reload timer to the app."""
    evaluator.spike_table = app.Table("rasad-alert-spikes", default=int, partitions=topics.tagged.partitions,
                                       key_type=str, value_type=int)  # JSON-serialized
    evaluator.reload_interval = 0.0  # the timer below paces reloads

    @app.task
    async def load_rules() -> None:
        await asyncio.get_running_loop().run_in_executor(None, evaluator.reload, True)

    @app.timer(reload_interval)
    async def reload_rules() -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, evaluator.reload)
        except RasadError as exc:
            log.error("cannot reload alert rules: %s", exc)

    @app.agent(topics.tagged, name="rasad.alerts")
    async def alerts(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        async for event in stream.events():
            try:
                article = Article.from_json(event.value)
            except BadInput:
                continue  # the indexer dead-letters it
            candidates = evaluator.match(article)  # updates the spike table on this event
            if not candidates:
                continue
            try:
                admitted = await loop.run_in_executor(None, evaluator.admit, candidates)
            except RasadError as exc:
                log.error("alert ledger failed at %s/%s@%s: %s", event.message.topic, event.message.partition,
                          event.message.offset, exc)
                continue
            for alert, rule, throttled in admitted:
                await topics.alerts.send(key=rule.name.encode(), value=alert.model_dump_json().encode("utf-8"))
                if throttled:
                    dispatcher.submit_throttled(alert, rule)
                else:
                    dispatcher.submit(alert, rule)
