"""The dispatcher: delivers each alert to each of its rule's destinations on a thread pool.

Destinations are independent: a slow or failing one holds its own thread and never delays the
others or the stream. The alert is recorded before any attempt (so it is never lost) and again
when all destinations are done, each with its status, attempts and the reason of a failure.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import httpx

from alerts.alert import Alert, Delivery
from alerts.delivery.email import send_email
from alerts.delivery.guard import Refused
from alerts.delivery.webhook import DeliveryFailed, send_slack, send_webhook
from alerts.rules import AlertRule
from alerts.rulestore import RuleStore
from rasad.errors import RasadError
from rasad.model import utcnow
from rasad.settings import Settings

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends alerts; ``on_done`` (optional) is called with each finished alert (the live feed listens)."""

    def __init__(self, settings: Settings, store: RuleStore, on_done: Callable[[Alert], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.store = store
        self.on_done = on_done
        self._sleep = sleep
        self._http = httpx.Client(follow_redirects=False, timeout=settings.alerts_timeout)
        self._pool = ThreadPoolExecutor(settings.alerts_delivery_threads, thread_name_prefix="alert-delivery")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, alert: Alert, rule: AlertRule) -> Future:
        """Record the alert and deliver it in the background; the future resolves to the final alert."""
        alert.deliveries = [Delivery(kind=k, target=t) for k, t in rule.destinations]
        if alert.deliveries:  # recorded now so a crash mid-delivery still leaves the alert (pending) behind
            self._record(alert)
        done: Future = Future()
        with self._lock:
            self._pending.add(done)
        done.add_done_callback(self._forget)
        if not alert.deliveries:
            self._finish(alert, done)
            return done
        # Each destination is its own task: one slow server never delays the others; the last to
        # finish writes the final record (no thread waits on another, so the pool cannot deadlock).
        remaining = [len(alert.deliveries)]

        def one(delivery: Delivery) -> None:
            try:
                self._deliver_one(alert, rule, delivery)
            finally:
                with self._lock:
                    remaining[0] -= 1
                    last = remaining[0] == 0
                if last:
                    self._finish(alert, done)

        for delivery in alert.deliveries:
            self._pool.submit(one, delivery)
        return done

    def submit_throttled(self, alert: Alert, rule: AlertRule) -> None:
        """Record an alert the rule's throttle held back: kept, marked throttled, not delivered."""
        alert.deliveries = [Delivery(kind=k, target=t, status="throttled", reason="rule over its max_per_minute",
                                     at=utcnow()) for k, t in rule.destinations]
        self._record(alert)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _finish(self, alert: Alert, done: Future) -> None:
        alert.latency.delivered = max((d.at for d in alert.deliveries if d.status == "delivered" and d.at),
                                      default=utcnow())
        try:
            self._record(alert)
            if self.on_done is not None:
                self.on_done(alert)
        finally:
            done.set_result(alert)

    def _deliver_one(self, alert: Alert, rule: AlertRule, delivery: Delivery) -> None:
        delay = self.settings.alerts_backoff
        for attempt in range(1, self.settings.alerts_retries + 2):
            delivery.attempts = attempt
            try:
                self._send(delivery, alert, rule)
            except Refused as exc:
                delivery.status, delivery.reason = "refused", str(exc)
                break
            except (DeliveryFailed, RasadError, OSError) as exc:
                delivery.status, delivery.reason = "failed", str(exc)
                if attempt <= self.settings.alerts_retries:
                    self._sleep(delay)
                    delay *= 2
                continue
            delivery.status, delivery.reason = "delivered", None
            break
        delivery.at = utcnow()
        if delivery.status != "delivered":
            log.warning("alert %s of rule %s: %s %s %s after %d attempt(s): %s", alert.id, alert.rule, delivery.kind,
                        delivery.target, delivery.status, delivery.attempts, delivery.reason)

    def _send(self, delivery: Delivery, alert: Alert, rule: AlertRule) -> None:
        s = self.settings
        if delivery.kind == "webhook":
            send_webhook(self._http, delivery.target, alert, rule.secret, s.alerts_timeout, s.alerts_allow_private)
        elif delivery.kind == "slack":
            send_slack(self._http, delivery.target, alert, s.alerts_timeout, s.alerts_allow_private)
        elif delivery.kind == "email":
            send_email(delivery.target, alert, s.alerts_smtp_host, s.alerts_smtp_port, s.alerts_smtp_sender,
                       s.alerts_timeout)
        else:
            raise Refused(f"unknown destination kind {delivery.kind!r}")

    def _record(self, alert: Alert) -> None:
        try:
            self.store.record(alert)
        except RasadError as exc:  # the topic still carries the alert; the log record is best effort
            log.error("cannot record alert %s: %s", alert.id, exc)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every submitted alert is delivered or recorded as failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            wait(pending, timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            if deadline is not None and time.monotonic() >= deadline:
                return

    def close(self) -> None:
        self.drain(timeout=30)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()
