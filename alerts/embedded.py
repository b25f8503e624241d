"""The embedded shell of the alerting stage: tagged articles from the in-memory bus through the evaluator."""

from __future__ import annotations

import logging

from alerts.destinations.dispatcher import Dispatcher
from alerts.evaluator import Evaluator
from rasad.bus.memory import MemoryBus
from rasad.errors import BadInput, RasadError
from rasad.model import Article
from rasad.settings import Settings

log = logging.getLogger(__name__)


def attach(
    bus: MemoryBus, settings: Settings, evaluator: Evaluator, dispatcher: Dispatcher
) -> None:
    """Evaluate every message published to the tagged topic; fired alerts go to the alerts topic and their destinations."""
    evaluator.reload(force=True)

    def on_tagged(key: str | None, value: bytes) -> None:
        try:
            article = Article.from_json(value)
        except BadInput:
            return  # the indexer dead-letters it; one record per bad message is enough
        try:
            evaluator.reload()
            admitted = evaluator.admit(evaluator.match(article))
        except RasadError as exc:
            log.error("alert evaluation failed on %s: %s", key, exc)
            return
        for alert, rule, _ in admitted:
            bus.publish(settings.topic_alerts, rule.name, alert.model_dump_json().encode("utf-8"))
        dispatcher.submit_many(admitted)

    bus.subscribe(settings.topic_tagged, on_tagged)
