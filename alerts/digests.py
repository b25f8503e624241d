"""Digests: a digest rule's alerts, collected per destination and sent every N minutes.

Alerts of a digest rule are recorded with their deliveries ``queued`` (the dispatcher does
that); ``Digests.run``, called by a timer, sends what is due. A rule's periods are fixed
(``digest_minutes`` long, counted from the epoch): once a period has ended, the alerts queued
before its end go out as one message per destination, and their records are updated with
what each destination did. Any number of processes may run the timer: the period's digest is
claimed in the ledger first, so only one of them sends it. An alert recorded after another
process claimed its period (a late record) goes out with the next period.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from alerts.alert import Alert, Delivery, alert_id
from alerts.destinations.dispatcher import Dispatcher
from alerts.messages import digest_letter
from alerts.rules import AlertRule
from alerts.rulestores import RuleStore
from rasad.model import utcnow

log = logging.getLogger(__name__)
Destination = tuple[str, str]  # (kind, target)


def period_end(now: datetime, minutes: float) -> datetime:
    """The end of the last period of ``minutes`` that has ended at ``now``."""
    size = minutes * 60
    return datetime.fromtimestamp(math.floor(now.timestamp() / size) * size, UTC)


class Digests:
    """Sends due digests; ``rules`` gives the rules in force (others are read from the store)."""

    def __init__(
        self,
        store: RuleStore,
        dispatcher: Dispatcher,
        rules: Callable[[], dict[str, AlertRule]] = dict,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.rules = rules
        self._senders = ThreadPoolExecutor(4, thread_name_prefix="alert-digest")

    def run(self, now: datetime | None = None) -> list[Alert]:
        """Send every digest due at ``now``; the alerts it delivered (or failed to)."""
        now = now or utcnow()
        by_rule: dict[str, list[Alert]] = defaultdict(list)
        for alert in self.store.queued(now):
            by_rule[alert.rule].append(alert)
        done: list[Alert] = []
        for name, alerts in by_rule.items():
            rule = self.rules().get(name) or self.store.get(name)
            if rule is None:
                done += self._orphans(alerts)
                continue
            end = period_end(now, rule.digest_minutes)
            due = [a for a in alerts if a.latency.matched < end]
            claim = alert_id(name, f"digest:{end.timestamp():.0f}")
            if due and self.store.claim_many([claim]):
                done += self._send(rule, due, end)
        return done

    def _send(self, rule: AlertRule, alerts: list[Alert], end: datetime) -> list[Alert]:
        """One letter per destination (each on its own thread), then the alerts' records."""
        waiting: dict[Destination, list[Alert]] = defaultdict(list)
        for alert in alerts:
            for d in alert.deliveries:
                if d.status == "queued":
                    waiting[(d.kind, d.target)].append(alert)
        outcomes = dict(
            zip(
                waiting,
                self._senders.map(
                    lambda dest: self._deliver(rule, dest, waiting[dest], end), waiting
                ),
                strict=True,
            )
        )
        for alert in alerts:
            for i, d in enumerate(alert.deliveries):
                outcome = outcomes.get((d.kind, d.target))
                if d.status == "queued" and outcome is not None:
                    alert.deliveries[i] = outcome.model_copy()
            delivered = [d.at for d in alert.deliveries if d.status == "delivered" and d.at]
            alert.latency.delivered = max(delivered, default=None) or utcnow()
        self.store.record_many(alerts)
        if self.dispatcher.on_done is not None:
            for alert in alerts:
                self.dispatcher.on_done(alert)
        log.info(
            "digest of %s: %d alert(s) to %d destination(s)", rule.name, len(alerts), len(waiting)
        )
        return alerts

    def _deliver(
        self, rule: AlertRule, destination: Destination, alerts: list[Alert], end: datetime
    ) -> Delivery:
        delivery = Delivery(kind=destination[0], target=destination[1])
        mail = digest_letter(rule.name, alerts, rule.message, end)
        self.dispatcher.deliver(delivery, mail, rule.secret, f"digest of rule {rule.name}")
        return delivery

    def _orphans(self, alerts: list[Alert]) -> list[Alert]:
        """Queued alerts of a rule removed before its digest: recorded as failed, with why."""
        for alert in alerts:
            for d in alert.deliveries:
                if d.status == "queued":
                    d.status, d.reason, d.at = "failed", "the rule was removed", utcnow()
        self.store.record_many(alerts)
        return alerts

    def close(self) -> None:
        self._senders.shutdown(wait=False, cancel_futures=True)
