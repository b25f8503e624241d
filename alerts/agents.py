"""The Faust shell of the alerting stage: ``articles.tagged`` → alerts (topic + destinations).

Events are taken in small batches: matching runs inline on the event loop (~1 ms an article;
a thread would not help, it would only contend for the GIL), then one ledger call claims every
alert of the batch on the executor. An article a spike rule counts is sent to the internal
``<app id>-spike-counts`` topic keyed by rule and key (concept or country); ``rasad.spikes``
counts it in a changelogged Faust table on that key's partition (a restarted worker keeps the
counts) and fires when a window reaches the rule's level — so any number of alerts workers
count each spike in one place. The batch's alerts are put on the topic
without awaiting each send (the producer buffer, which Faust flushes before committing offsets:
awaiting hundreds of sends one by one yields the loop to the other agents hundreds of times),
and recording and delivery run on the dispatcher's threads: the stream never waits for them.

Silence rules travel the same way: each article a silence rule hears is sent to the
spike-counts topic keyed by rule and key, and ``rasad.spikes`` notes it in the changelogged
silence table on that key's partition. A timer (``RASAD_ALERTS_CHECK_INTERVAL``) then asks which
keys kept on this worker's active partitions have been quiet too long, sends the keys a new
silence rule names (seeds, so a source never heard is watched too) and runs due digests.
"""

from __future__ import annotations

import asyncio
import json
import logging

import faust

from alerts.destinations.dispatcher import Dispatcher
from alerts.digests import Digests
from alerts.evaluator import Candidate, Evaluator, Observation
from rasad.errors import BadInput, RasadError
from rasad.model import Article
from rasad.streaming import Topics

log = logging.getLogger(__name__)


def register(
    app: faust.App,
    topics: Topics,
    evaluator: Evaluator,
    dispatcher: Dispatcher,
    reload_interval: float = 2.0,
    batch_size: int = 200,
    batch_window: float = 0.02,
    check_interval: float = 10.0,
) -> None:
    """Add the alerts and spike agents, the spike and silence tables, the rule-reload timer and
    the silence and digest timer to the app."""
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
    # Loaded before the worker starts: an article consumed before the rules were in would never alert.
    evaluator.reload(force=True)

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
        if candidates:
            await fire(candidates, [])
        try:
            await asyncio.get_running_loop().run_in_executor(None, digests.run)
        except RasadError as exc:
            log.error("cannot send due digests: %s", exc)

    async def fire(candidates: list[Candidate], events: list) -> None:
        """Claim the candidates in the ledger (off the loop), then publish and hand them to the dispatcher."""
        try:
            admitted = await asyncio.get_running_loop().run_in_executor(
                None, evaluator.admit, candidates
            )
        except RasadError as exc:
            first = events[0].message if events else None
            log.error(
                "alert ledger failed for %d candidate(s) from %s: %s",
                len(candidates),
                f"{first.topic}/{first.partition}@{first.offset}" if first else "the timer",
                exc,
            )
            return
        for alert, rule, _ in admitted:
            topics.alerts.send_soon(
                key=rule.name.encode(), value=alert.model_dump_json().encode("utf-8")
            )
        dispatcher.submit_background(admitted)  # one bulk record, then delivery threads

    @app.agent(topics.tagged, name="rasad.alerts")
    async def alerts(stream: faust.StreamT) -> None:
        # Small batches: one ledger round trip for all alerts of the articles that arrived within
        # ``batch_window`` seconds, instead of one per article (which caps the stream at ~100/s).
        async for events in stream.take_events(batch_size, within=batch_window):
            candidates = []
            for event in events:
                try:
                    article = Article.from_json(event.value)
                except BadInput:
                    continue  # the indexer dead-letters it
                matched, observed = evaluator.observe(article)
                candidates += matched
                for observation in observed:
                    spike_topic.send_soon(
                        key=f"{observation.rule}|{observation.key}".encode(),
                        value=observation_message(observation, event.value),
                    )
            if candidates:
                await fire(candidates, events)

    @app.agent(spike_topic, name="rasad.spikes")
    async def spike_counts(stream: faust.StreamT) -> None:
        async for event in stream.events():  # one article per rule and key: few, so no batching
            try:
                observation, article = read_observation(event.value)
            except BadInput as exc:
                log.error("skipped a spike count: %s", exc)
                continue
            # updates the spike or silence table on this partition
            candidates = evaluator.count(observation, article, event.message.partition)
            if candidates:
                await fire(candidates, [event])


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
