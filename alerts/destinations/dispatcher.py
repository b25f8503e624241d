"""The dispatcher: delivers each alert to each of its rule's destinations on a thread pool.

Destinations are independent: a slow or failing one holds its own thread and never delays the
others or the stream. The alert is recorded before any attempt (so it is never lost) and again
when all destinations are done, each with its status, attempts and the reason of a failure.
A stream shell hands whole batches to ``submit_background``: recording and delivery then run on
the dispatcher's own threads, in batch order, so the stream never waits for the alert log.
An alert of a digest rule is recorded with its deliveries ``queued``: ``alerts.digests`` sends
them later, through ``deliver``, with the others of its period.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from alerts.alert import Alert, Delivery
from alerts.destinations.connections import DeliveryFailed, WebhookClient
from alerts.destinations.email import send_email
from alerts.destinations.guard import Refused
from alerts.destinations.webhook import send_slack, send_webhook
from alerts.messages import Letter, letter
from alerts.rules import AlertRule
from alerts.rulestores import RuleStore
from rasad import metrics
from rasad.errors import RasadError
from rasad.model import utcnow
from rasad.retry import backoff
from rasad.settings import Settings

log = logging.getLogger(__name__)


class Dispatcher:
    """Sends alerts; ``on_done`` (optional) is called with each finished
    alert (the live feed listens).
    """

    def __init__(
        self,
        settings: Settings,
        store: RuleStore,
        on_done: Callable[[Alert], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.store = store
        self.on_done = on_done
        self._sleep = sleep
        self._http = WebhookClient(pool_size=settings.alerts_delivery_threads)
        self._pool = ThreadPoolExecutor(
            settings.alerts_delivery_threads, thread_name_prefix="alert-delivery"
        )
        # One thread per lane: batches are recorded in the order the stream admitted them.
        self._intake = ThreadPoolExecutor(1, thread_name_prefix="alert-intake")
        self._recorder = ThreadPoolExecutor(1, thread_name_prefix="alert-log")
        self._closer = ThreadPoolExecutor(
            1, thread_name_prefix="alert-final"
        )  # final records of delivered alerts
        self._finished: list[tuple[Alert, Future]] = []
        self._closing = False
        self._closed = False
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, alert: Alert, rule: AlertRule) -> Future:
        """Record the alert and deliver it in the background.

        The future resolves to the final alert.
        """
        return self.submit_many([(alert, rule, False)])[0]

    def submit_many(self, admitted: list[tuple[Alert, AlertRule, bool]]) -> list[Future]:
        """Record a batch of (alert, rule, throttled) in one store call, then
        deliver each in the background.

        Alerts without destinations (topic and feed only) and throttled ones are final at once;
        the others are recorded as pending first, so a crash mid-delivery still leaves them behind.
        """
        outgoing, final = self._split(admitted)
        futures = {
            id(alert): done
            for (alert, _), done in zip(outgoing, self._send_out(outgoing), strict=True)
        }
        futures.update(
            (id(alert), done) for (alert, _), done in zip(final, self._finalize(final), strict=True)
        )
        return [futures[id(alert)] for alert, _, _ in admitted]

    def submit_confirmed(self, admitted: list[tuple[Alert, AlertRule, bool]]) -> Future:
        """``submit_many`` on the dispatcher's intake lane (in stream order); returns at once.

        The returned future resolves to the final alerts once every one of them is recorded
        as finished (delivered, failed, refused or throttled): a stream acknowledges its
        messages then, so a crash before that replays them and nothing stays half-done.
        """
        confirmed: Future = Future()

        def intake() -> None:
            futures = self.submit_many(admitted)
            remaining = [len(futures)]

            def one_done(_: Future) -> None:
                with self._lock:
                    remaining[0] -= 1
                    last = remaining[0] == 0
                if last:
                    confirmed.set_result([f.result() for f in futures])

            if not futures:
                confirmed.set_result([])
            for future in futures:
                future.add_done_callback(one_done)

        def intake_failed(queued: Future) -> None:
            error = queued.exception()
            if error is not None:
                confirmed.set_exception(error)

        self._intake.submit(intake).add_done_callback(intake_failed)
        return confirmed

    def submit_background(self, admitted: list[tuple[Alert, AlertRule, bool]]) -> None:
        """``submit_many`` on the dispatcher's own threads; returns at once.

        Two lanes, each keeping the stream's order: alerts with destinations (recorded as pending,
        then delivered) and final ones (recorded). A flood of destination-less alerts from busy
        rules then never delays the deliveries somebody is waiting for.
        """
        outgoing, final = self._split(admitted)
        for lane, work, batch in (
            (self._intake, self._send_out, outgoing),
            (self._recorder, self._finalize, final),
        ):
            if batch:
                queued = lane.submit(work, batch)
                with self._lock:
                    self._pending.add(queued)
                queued.add_done_callback(self._forget)
                queued.add_done_callback(self._log_failure)

    @staticmethod
    def _split(admitted: list[tuple[Alert, AlertRule, bool]]) -> tuple[list, list]:
        """Give each alert its deliveries: ([(alert, rule)] to deliver,
        [(alert, throttled)] already final).
        """
        now = utcnow()
        outgoing, final = [], []
        for alert, rule, throttled in admitted:
            status, reason = (
                ("throttled", "rule over its max_per_minute") if throttled else ("pending", None)
            )
            if status == "pending" and rule.delivery == "digest":
                status = "queued"  # recorded now, sent with its period's digest
            if not alert.deliveries:  # a resumed alert keeps what its destinations did already
                alert.deliveries = [
                    Delivery(
                        kind=k,
                        target=t,
                        status=status,
                        reason=reason,
                        at=now if throttled else None,
                    )
                    for k, t in rule.destinations
                ]
            if any(d.status == "queued" for d in alert.deliveries):
                final.append((alert, True))  # not delivered yet: the feed hears of it later
            elif throttled or not any(d.status == "pending" for d in alert.deliveries):
                alert.latency.delivered = now
                final.append((alert, throttled))
            else:
                outgoing.append((alert, rule))
        return outgoing, final

    def _send_out(self, outgoing: list[tuple[Alert, AlertRule]]) -> list[Future]:
        """Record alerts as pending (one store call), then start every delivery of each."""
        self._record_many([alert for alert, _ in outgoing])
        futures = []
        for alert, rule in outgoing:
            done: Future = Future()
            futures.append(done)
            with self._lock:
                self._pending.add(done)
            done.add_done_callback(self._forget)
            self._start(alert, rule, done)
        return futures

    def _finalize(self, final: list[tuple[Alert, bool]]) -> list[Future]:
        """Record alerts that need no delivery (one store call).

        The feed hears of the unthrottled ones.
        """
        self._record_many([alert for alert, _ in final])
        futures = []
        for alert, throttled in final:
            done: Future = Future()
            done.set_result(alert)
            futures.append(done)
            if not throttled and self.on_done is not None:
                self.on_done(alert)
        return futures

    @staticmethod
    def _log_failure(intake: Future) -> None:
        if not intake.cancelled() and intake.exception() is not None:
            log.error("alert dispatch failed", exc_info=intake.exception())

    def _start(self, alert: Alert, rule: AlertRule, done: Future) -> None:
        # Each destination is its own task: one slow server never delays the others; the last to
        # finish writes the final record (no thread waits on another, so the pool cannot deadlock).
        todo = [d for d in alert.deliveries if d.status == "pending"]  # a resumed alert: the rest
        remaining = [len(todo)]

        def one(delivery: Delivery) -> None:
            try:
                self._deliver_one(alert, rule, delivery)
            finally:
                with self._lock:
                    remaining[0] -= 1
                    last = remaining[0] == 0
                if last:
                    self._finish(alert, done)

        for delivery in todo:
            self._pool.submit(one, delivery)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _finish(self, alert: Alert, done: Future) -> None:
        alert.latency.delivered = max(
            (d.at for d in alert.deliveries if d.status == "delivered" and d.at), default=utcnow()
        )
        # Final records are coalesced: under load one store call records
        # every alert finished meanwhile.
        with self._lock:
            self._finished.append((alert, done))
            idle, self._closing = not self._closing, True
        if idle:
            self._closer.submit(self._record_finished)

    def _record_finished(self) -> None:
        while True:
            with self._lock:
                batch, self._finished = self._finished, []
                if not batch:
                    self._closing = False
                    return
            try:
                self._record_many([alert for alert, _ in batch])
                if self.on_done is not None:
                    for alert, _ in batch:
                        self.on_done(alert)
            finally:
                for alert, done in batch:
                    done.set_result(alert)

    def _deliver_one(self, alert: Alert, rule: AlertRule, delivery: Delivery) -> None:
        what = f"alert {alert.id} of rule {alert.rule}"
        self.deliver(delivery, letter(alert, rule.message), rule.secret, what)

    def deliver(self, delivery: Delivery, mail: Letter, secret: str, what: str) -> None:
        """Send a letter to one destination, retrying with backoff.

        The outcome goes into ``delivery``.
        """
        delay = self.settings.alerts_backoff
        for attempt in range(1, self.settings.alerts_retries + 2):
            delivery.attempts = attempt
            try:
                self._send(delivery, mail, secret)
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
            log.warning(
                "%s: %s %s %s after %d attempt(s): %s",
                what,
                delivery.kind,
                delivery.target,
                delivery.status,
                delivery.attempts,
                delivery.reason,
            )

    def _send(self, delivery: Delivery, mail: Letter, secret: str) -> None:
        s = self.settings
        if delivery.kind == "webhook":
            send_webhook(
                self._http,
                delivery.target,
                mail.payload,
                secret,
                s.alerts_timeout,
                s.alerts_allow_private,
            )
        elif delivery.kind == "slack":
            send_slack(
                self._http, delivery.target, mail.slack, s.alerts_timeout, s.alerts_allow_private
            )
        elif delivery.kind == "email":
            send_email(delivery.target, mail, s)
        else:
            raise Refused(f"unknown destination kind {delivery.kind!r}")

    def _record_many(self, alerts: list[Alert]) -> None:
        """Record alerts, retrying while the store is away: a record is what a replay trusts."""
        if not alerts:
            return
        attempt = 0
        while True:
            try:
                self.store.record_many(alerts)
                metrics.store_up("alerts")
                break
            except RasadError as exc:
                if self._closed:
                    log.error("alert log: %d alert(s) not recorded: %s", len(alerts), exc)
                    return
                attempt += 1
                metrics.store_retry("alerts")
                delay = backoff(attempt, maximum=self.settings.indexer_max_backoff)
                log.warning(
                    "alert log: %s; %d alert(s) recorded again in %.1fs", exc, len(alerts), delay
                )
                self._sleep(delay)
        for alert in alerts:
            _observe_latency(alert)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every submitted alert is delivered or recorded as failed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            wait(
                pending, timeout=None if deadline is None else max(0.0, deadline - time.monotonic())
            )
            if deadline is not None and time.monotonic() >= deadline:
                return

    def close(self) -> None:
        self.drain(timeout=30)
        self._closed = True
        self._intake.shutdown(wait=False, cancel_futures=True)
        self._recorder.shutdown(wait=False, cancel_futures=True)
        self._closer.shutdown(wait=False, cancel_futures=True)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def _observe_latency(alert: Alert) -> None:
    """The alert's latency from production, at the step its record shows (matched or delivered)."""
    latency = alert.latency
    if latency.ingested is None:
        return
    if any(d.status == "pending" for d in alert.deliveries):
        metrics.alert_latency("matched", (latency.matched - latency.ingested).total_seconds())
    elif latency.delivered is not None:
        metrics.alert_latency("delivered", (latency.delivered - latency.ingested).total_seconds())
