"""The embedded shell of the alerting stage: tagged articles from the in-memory bus through the
evaluator, and a timer thread for what no article brings (silences, due digests)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from alerts.alert import Alert
from alerts.destinations.dispatcher import Dispatcher
from alerts.digests import Digests
from alerts.evaluator import Evaluator
from alerts.rules import AlertRule
from rasad.bus.memory import MemoryBus
from rasad.errors import BadInput, RasadError
from rasad.model import Article
from rasad.settings import Settings

log = logging.getLogger(__name__)


class Ticker:
    """Calls ``tick`` every ``interval`` seconds on its own daemon thread until ``stop``."""

    def __init__(self, interval: float, tick: Callable[[], None], name: str = "alert-timer"):
        self._interval = interval
        self._tick = tick
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._tick()
            except RasadError as exc:  # the store away: the next tick tries again
                log.error("alert timer: %s", exc)
            except Exception:  # a bug must not stop the timer for good
                log.exception("alert timer failed")

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


def attach(
    bus: MemoryBus, settings: Settings, evaluator: Evaluator, dispatcher: Dispatcher
) -> Ticker:
    """Evaluate every message published to the tagged topic; fired alerts go to the alerts topic
    and their destinations. The returned timer checks silences and digests (stop it to close)."""
    evaluator.reload(force=True)

    def fire(admitted: list[tuple[Alert, AlertRule, bool]]) -> None:
        for alert, rule, _ in admitted:
            bus.publish(settings.topic_alerts, rule.name, alert.model_dump_json().encode("utf-8"))
        dispatcher.submit_many(admitted)

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
        fire(admitted)

    digests = Digests(evaluator.store, dispatcher, lambda: evaluator.rules)

    def tick() -> None:
        evaluator.reload()
        for seed in evaluator.seeds():
            evaluator.count(seed, None)
        fire(evaluator.admit(evaluator.quiet()))
        digests.run()

    bus.subscribe(settings.topic_tagged, on_tagged)
    return Ticker(settings.alerts_check_interval, tick)
