"""The Faust shell of the alerting stage: ``articles.tagged`` → alerts (topic + destinations).

Events are taken in small batches: matching runs inline on the event loop (~1 ms an article;
a thread would not help, it would only contend for the GIL), then one ledger call claims every
alert of the batch on the executor. An article a spike rule counts is sent to the internal
``<app id>-spike-counts`` topic keyed by rule and key (concept or country); ``rasad.spikes``
counts it in a changelogged Faust table on that key's partition (a restarted worker keeps the
counts) and fires when a window reaches the rule's level — so any number of alerts workers
count each spike in one place.

Nothing lost, nothing twice, across store outages and crashes:

* The ledger claim is retried with backoff while the store is away, and the stream waits for
  it: the partition is held, no offset passes an alert that is not claimed.
* Each alert is claimed for its message (app id, topic, partition, offset). A message replayed
  after a crash gets its own claims back; ``Evaluator.admit_owned`` then fires again what was
  never recorded, resumes what was recorded with deliveries pending, and leaves finished ones.
* After the claim the stream goes on; the batch's messages stay unacknowledged (one extra
  reference each) until its alerts are on the alerts topic (acknowledged by Kafka) and recorded
  as finished in the alert log (delivered, failed, refused or throttled). Only then may their
  offsets be committed, so a crash at any point replays the messages whose alerts are not done.
  Deliveries run on the dispatcher's threads: the stream never waits for a webhook.

Silence rules travel the same way as spikes: each article a silence rule hears is sent to the
spike-counts topic keyed by rule and key, and ``rasad.spikes`` notes it in the changelogged
silence table on that key's partition. A timer (``RASAD_ALERTS_CHECK_INTERVAL``) then asks which
keys kept on this worker's active partitions have been quiet too long (their alerts claimed like
any other, waiting out the store), sends the keys a new silence rule names (seeds, so a source
never heard is watched too) and runs due digests.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from functools import partial

import faust
from faust.types import Message

from alerts.destinations.dispatcher import Dispatcher
from alerts.digests import Digests
from alerts.evaluator import Admission, Candidate, Evaluator, Observation
from rasad import metrics
from rasad.bus import dead_letter_record
from rasad.errors import BadInput, RasadError
from rasad.model import Article
from rasad.retry import backoff
from rasad.streaming import Topics, batches

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # tagged articles the alerts agent matches and claims together, at most
BATCH_WINDOW = 0.02  # seconds the agent waits to fill a batch, at most


def register(
    app: faust.App,
    topics: Topics,
    evaluator: Evaluator,
    dispatcher: Dispatcher,
    reload_interval: float = 2.0,
    batch_size: int = BATCH_SIZE,
    batch_window: float = BATCH_WINDOW,
    check_interval: float = 10.0,
    max_backoff: float = 30.0,
) -> None:
    """Add the alerts and spike agents, the spike and silence tables, the rule-reload timer and
    the silence and digest timer to the app.

    ``max_backoff``: longest wait between ledger claims while the store is away.
    """
    # Spike counts go through this topic keyed by rule and key: each count lives on one partition,
    # whichever alerts worker matched the article, and the table's changelog follows that partition.
    spike_topic = app.topic(
        f"{app.conf.id}-spike-counts",
        key_type=bytes,
        value_type=bytes,
        partitions=topics.tagged.partitions,
        internal=True,
    )
    evaluator.spike_table = app.Table(
        "rasad-alert-spikes",
        default=int,
        partitions=topics.tagged.partitions,
        key_type=str,
        value_type=int,
    )  # JSON-serialized
    evaluator.silence_table = app.Table(
        "rasad-alert-silences", default=None, partitions=topics.tagged.partitions, key_type=str
    )  # JSON objects: last heard, recent gaps, partition
    digests = Digests(evaluator.store, dispatcher, lambda: evaluator.rules)
    evaluator.reload_interval = 0.0  # the timer below paces reloads
    # Loaded before the worker starts: an article consumed before the
    # rules were in would never alert.
    evaluator.reload(force=True)
    stage = _Alerting(app, topics, spike_topic, evaluator, dispatcher, max_backoff)

    @app.timer(reload_interval)
    async def reload_rules() -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, evaluator.reload)
        except RasadError as exc:
            log.error("cannot reload alert rules: %s", exc)

    @app.timer(check_interval)
    async def check_quiet() -> None:
        # Seeds go where counts go: the worker holding the key's partition starts watching it.
        for seed in evaluator.seeds():
            spike_topic.send_soon(
                key=f"{seed.rule}|{seed.key}".encode(), value=observation_message(seed, b"")
            )
        name = spike_topic.get_topic_name()
        mine = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == name}
        candidates = evaluator.quiet(owned=mine.__contains__)
        if candidates:  # no message holds them: the timer is their owner
            await stage.fire(candidates, [f"{app.conf.id}/timer"] * len(candidates), [])
        try:
            await asyncio.get_running_loop().run_in_executor(None, digests.run)
        except RasadError as exc:
            log.error("cannot send due digests: %s", exc)

    @app.agent(topics.tagged, name="rasad.alerts")
    async def alerts(stream: faust.StreamT) -> None:
        # Small batches: one ledger round trip for all alerts of the articles that arrived within
        # ``batch_window`` seconds, instead of one per article (which caps the stream at ~100/s).
        async for events in batches(stream, batch_size, batch_window):
            await stage.evaluate(events)

    @app.agent(spike_topic, name="rasad.spikes")
    async def spike_counts(stream: faust.StreamT) -> None:
        async for event in stream.events():  # one article per rule and key: few, so no batching
            await stage.count(event)


class _Alerting:
    """The alerts stage of a worker: match, claim (holding the stream), confirm in background."""

    def __init__(
        self,
        app: faust.App,
        topics: Topics,
        spike_topic: faust.TopicT,
        evaluator: Evaluator,
        dispatcher: Dispatcher,
        max_backoff: float,
    ):
        self.app, self.topics, self.spike_topic = app, topics, spike_topic
        self.evaluator, self.dispatcher, self.max_backoff = evaluator, dispatcher, max_backoff
        self._confirming: set[asyncio.Future] = set()
        self._confirmations: dict[str, asyncio.Future] = {}  # message -> its alerts confirmed

    async def evaluate(self, events: Sequence[faust.EventT]) -> None:
        """Match a batch of tagged articles; fire what the batch's rules matched."""
        candidates: list[Candidate] = []
        owners: list[str] = []
        for event in events:
            try:
                article = Article.from_json(event.value)
            except BadInput:
                continue  # the indexer dead-letters it
            try:
                matched, observed = self.evaluator.observe(article)
            except Exception as exc:  # a bug an article triggers: recorded, the stream goes on
                log.exception("alerts: matching failed on offset %s", event.message.offset)
                await self._reject(event, str(exc), type(exc).__name__)
                continue
            candidates += matched
            owners += [self._owner(event)] * len(matched)
            for observation in observed:
                self.spike_topic.send_soon(
                    key=f"{observation.rule}|{observation.key}".encode(),
                    value=observation_message(observation, event.value),
                )
        metrics.handled("alerts", len(events))
        if candidates:
            await self.fire(candidates, owners, events)

    async def count(self, event: faust.EventT) -> None:
        """Count one spike observation on this partition's table; fire when a window fills."""
        try:
            observation, article = read_observation(event.value)
        except BadInput as exc:
            log.error("skipped a spike count: %s", exc)
            return
        # updates the spike or silence table on this partition
        candidates = self.evaluator.count(observation, article, event.message.partition)
        if candidates:
            await self.fire(candidates, [self._owner(event)] * len(candidates), [event])

    async def fire(
        self, candidates: list[Candidate], owners: list[str], events: Sequence[faust.EventT]
    ) -> None:
        """Claim the candidates (waiting out the store); confirm the admitted in the background."""
        events = self._behind_copies(events)
        busy = set(self._confirmations)
        if busy:  # their first copy claims them; a second claim now would see no record yet
            kept = [i for i, owner in enumerate(owners) if owner not in busy]
            candidates, owners = [candidates[i] for i in kept], [owners[i] for i in kept]
        admission = await self._admit(candidates, owners) if candidates else Admission([], [])
        if not admission.new and not admission.resumed:
            return
        for event in events:  # acknowledged by ``_confirm`` once the alerts are done
            event.message.incref()
        confirmed = asyncio.get_running_loop().create_future()
        for owner in set(map(self._owner, events)):
            self._confirmations[owner] = confirmed
        task = asyncio.ensure_future(self._confirm(admission, events))
        self._confirming.add(task)
        task.add_done_callback(self._confirming.discard)
        task.add_done_callback(lambda done: self._confirmed(events, confirmed, done))

    def _behind_copies(self, events: Sequence[faust.EventT]) -> list[faust.EventT]:
        """The events whose message is not being confirmed already; the others are held.

        A message can be fetched twice around a restart (see ``rasad.streaming``): the copy
        that comes second is acknowledged only once the first copy's alerts are done.
        """
        free = []
        for event in events:
            pending = self._confirmations.get(self._owner(event))
            if pending is None:
                free.append(event)
                continue
            event.message.incref()
            pending.add_done_callback(partial(self._ack_once_confirmed, event.message))
        return free

    def _ack_once_confirmed(self, message: Message, confirmed: asyncio.Future) -> None:
        """Acknowledge a held copy once the first copy's alerts are confirmed."""
        if confirmed.result():
            message.ack(self.app.consumer)

    def _confirmed(
        self, events: list[faust.EventT], confirmed: asyncio.Future, task: asyncio.Future
    ) -> None:
        for event in events:
            self._confirmations.pop(self._owner(event), None)
        ok = not task.cancelled() and task.exception() is None and bool(task.result())
        confirmed.set_result(ok)

    async def _admit(self, candidates: list[Candidate], owners: list[str]) -> Admission:
        attempt = 0
        while True:
            try:
                admission = await asyncio.get_running_loop().run_in_executor(
                    None, self.evaluator.admit_owned, candidates, owners
                )
            except RasadError as exc:
                attempt += 1
                metrics.store_retry("alerts")
                delay = backoff(attempt, maximum=self.max_backoff)
                log.warning(
                    "alert ledger: %s; %d candidate(s) claimed again in %.1fs (partition held)",
                    exc,
                    len(candidates),
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            metrics.store_up("alerts")
            return admission

    async def _confirm(self, admission: Admission, events: Sequence[faust.EventT]) -> bool:
        """Put the new alerts on the topic, record and deliver them all; then ack the messages.

        False (messages left unacknowledged, so a restart replays them) if that failed."""
        try:
            sent = [
                await self.topics.alerts.send(
                    key=rule.name.encode(), value=alert.model_dump_json().encode("utf-8")
                )
                for alert, rule, _ in admission.new
            ]
            await asyncio.gather(*sent)  # acknowledged by Kafka before the alerts are recorded
            await asyncio.wrap_future(
                self.dispatcher.submit_confirmed(admission.new + admission.resumed)
            )
        except Exception:
            if not events:  # the timer's: checked again at its next tick
                log.exception("alerts from the timer not confirmed")
                return False
            first = events[0].message
            log.exception(
                "alerts of %d message(s) from %s/%s@%s not confirmed: replayed after a restart",
                len(events),
                first.topic,
                first.partition,
                first.offset,
            )
            return False
        for event in events:
            event.message.ack(self.app.consumer)
        return True

    def _owner(self, event: faust.EventT) -> str:
        message = event.message
        return f"{self.app.conf.id}/{message.topic}/{message.partition}/{message.offset}"

    async def _reject(self, event: faust.EventT, error: str, error_class: str) -> None:
        message = event.message
        origin = {
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "stage": "alerts",
        }
        metrics.dead_lettered("alerts", "failed")
        log.warning("rejected %s: failed", origin, extra={**origin, "reason": "failed"})
        await self.topics.dlq.send(
            value=dead_letter_record("failed", error, event.value, origin, error_class)
        )


def observation_message(observation: Observation, article: bytes) -> bytes:
    """A spike-count message: a JSON line (rule, key, time), then the article's JSON as it came
    (a seed has no article)."""
    head = {"rule": observation.rule, "key": observation.key, "at": observation.at}
    if observation.seed:
        head["seed"] = True
    return json.dumps(head, ensure_ascii=False).encode("utf-8") + b"\n" + article


def read_observation(value: bytes) -> tuple[Observation, Article | None]:
    """The observation and article of a spike-count message; ``BadInput`` if it is not one."""
    head, _, article = value.partition(b"\n")
    try:
        obj = json.loads(head)
        observation = Observation(
            str(obj["rule"]), str(obj["key"]), float(obj["at"]), bool(obj.get("seed"))
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BadInput(f"not a spike-count message: {exc}", reason="invalid_article") from exc
    return observation, None if observation.seed else Article.from_json(article)
