"""The alerts and spike-count agents (``alerts.agents``) without Kafka: tagged articles in, alerts
on the alerts channel and in a SQLite rule store, via ``test_context()``.

An alert goes on the alerts topic first, then into the store: ``recorded`` hears of it from the
dispatcher (``on_done``) once the store holds it. "No alert" is shown by a later article that
does fire: the agent handles messages in order, so the alert that comes next is that one's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import faust
import pytest
from faust.types.agents import AgentTestWrapperT

from alerts.agents import observation_message, register
from alerts.alert import Alert
from alerts.destinations.dispatcher import Dispatcher
from alerts.evaluator import Evaluator
from alerts.rules import new_rule
from alerts.rulestores.sqlite import SqliteRuleStore
from rasad.concepts import Lexicon
from rasad.model import Article, Tag
from rasad.settings import Settings
from rasad.streaming import Topics
from tests.helpers.agents import channels, offline_app, offline_settings, received, subscription

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # every article in one hour's spike window
ISIS = Tag(kind="actor", id="Q2429253", label="Islamic State")
RAQQA = Tag(kind="place", id="geonames:172955", label="Raqqa", country="SY")


def article(name: str, text: str, *tags: Tag) -> Article:
    """A tagged article, as the tagger writes it (its own story)."""
    return Article(
        id=name, source="وكالة", title=text[:20], text=text, language="ar", ingested_at=NOON,
        tags=list(tags),
    )  # fmt: skip


STRIKE = article("strike", "غارة جوية على مواقع لداعش في ريف حلب.", ISIS)
WATER = article("water", "انقطاع المياه عن أحياء في الرقة منذ يومين.", RAQQA)


@dataclass
class Alerting:
    """The alerts stage of one worker, its two agents in test contexts."""

    app: faust.App
    alerts: AgentTestWrapperT  # rasad.alerts, fed tagged articles
    spikes: AgentTestWrapperT  # rasad.spikes, fed spike-count messages
    evaluator: Evaluator
    topics: Topics
    sent: faust.ChannelT  # subscribed to the alerts channel
    dead: faust.ChannelT  # subscribed to the dead-letter channel
    recorded: asyncio.Queue[Alert]

    async def next_alert(self) -> tuple[dict, Alert]:
        """The next alert on the alerts channel (its payload) and in the rule store."""
        event = await received(self.sent)
        payload = json.loads(event.value)
        assert event.key == payload["rule"].encode()
        alert = await asyncio.wait_for(self.recorded.get(), 120)  # a hang guard, no measure
        assert alert.id == payload["id"]
        return payload, alert


Scenario = Callable[[Alerting], Awaitable[None]]


class FailingEvaluator(Evaluator):
    """The real evaluator, failing on one article as a matching bug would."""

    def observe(self, article: Article) -> Any:
        if article.id == "unmatchable":
            raise ValueError("matching failed on this article")
        return super().observe(article)


def run(
    settings: Settings,
    rules: SqliteRuleStore,
    lexicon: Lexicon,
    scenario: Scenario,
    evaluator_class: type[Evaluator] = Evaluator,
) -> None:
    """Run ``scenario`` on a fresh worker (app, evaluator, dispatcher) over ``rules``."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        recorded: asyncio.Queue[Alert] = asyncio.Queue()

        def heard(alert: Alert) -> None:  # on a dispatcher thread, once the store holds it
            loop.call_soon_threadsafe(recorded.put_nowait, alert)

        dispatcher = Dispatcher(settings, rules, on_done=heard)
        try:
            async with offline_app(settings) as app:
                # The stage sizes its tables by the tagged topic's partitions: a topic, not a
                # channel (the test context feeds the agent through a channel of its own).
                topics = replace(
                    channels(app),
                    tagged=app.topic(
                        settings.topic_tagged,
                        key_type=bytes,
                        value_type=bytes,
                        partitions=settings.topic_partitions,
                    ),
                )
                evaluator = evaluator_class(rules, lexicon)
                register(app, topics, evaluator, dispatcher)
                sent, dead = subscription(topics.alerts), subscription(topics.dlq)
                async with (
                    app.agents["rasad.alerts"].test_context() as alerts,
                    app.agents["rasad.spikes"].test_context() as spikes,
                ):
                    await scenario(
                        Alerting(app, alerts, spikes, evaluator, topics, sent, dead, recorded)
                    )
        finally:
            dispatcher.close()

    asyncio.run(main())


@pytest.fixture
def settings(tmp_path) -> Settings:
    return offline_settings(tmp_path)


@pytest.fixture
def rules(rule_store: SqliteRuleStore, lexicon: Lexicon) -> SqliteRuleStore:
    """The rule store with a rule on the Islamic State and one on Raqqa (no destinations)."""
    rule_store.add(new_rule({"name": "isis", "query": "ISIS"}, lexicon))
    rule_store.add(new_rule({"name": "raqqa", "query": "Raqqa"}, lexicon))
    return rule_store


def test_a_matching_article_fires_an_alert_on_the_topic_recorded_in_the_rule_store(
    settings, rules, lexicon
):
    async def scenario(stage: Alerting) -> None:
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")
        payload, alert = await stage.next_alert()
        assert (payload["rule"], payload["kind"], payload["article_id"]) == (
            "isis",
            "match",
            "strike",
        )
        assert payload["concepts"] == {"Q2429253": "Islamic State"}
        assert payload["snippet"] and payload["language"] == "ar"
        assert alert.deliveries == []  # no destinations: final once recorded
        assert stage.dead.empty()

    run(settings, rules, lexicon, scenario)
    [stored] = rules.alerts("isis")
    assert (stored.article_id, stored.story_id) == ("strike", "strike")
    assert rules.alerts("raqqa") == []


def test_the_same_article_again_fires_no_second_alert(settings, rules, lexicon):
    async def scenario(stage: Alerting) -> None:
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")
        first, _ = await stage.next_alert()
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")  # a producer's duplicate
        duplicate = STRIKE.model_copy(update={"id": "strike-copy", "story_id": "strike"})
        await stage.alerts.put(duplicate.to_json())  # another article of the same story
        await stage.alerts.put(WATER.to_json(), key=b"water")
        then, _ = await stage.next_alert()
        assert (first["rule"], then["rule"], then["article_id"]) == ("isis", "raqqa", "water")

    run(settings, rules, lexicon, scenario)
    assert sorted(a.rule for a in rules.alerts(None)) == ["isis", "raqqa"]


def test_a_message_replayed_after_a_restart_fires_no_second_alert(settings, rules, lexicon):
    async def first_run(stage: Alerting) -> None:
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")
        payload, _ = await stage.next_alert()
        assert payload["rule"] == "isis"

    async def after_restart(stage: Alerting) -> None:
        # A new worker on the same rule store reads the partition from its start again: the
        # same message (same offset) claims the same alert, which is recorded as done.
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")
        await stage.alerts.put(WATER.to_json(), key=b"water")
        payload, _ = await stage.next_alert()
        assert (payload["rule"], payload["article_id"]) == ("raqqa", "water")

    run(settings, rules, lexicon, first_run)
    run(settings, rules, lexicon, after_restart)
    assert sorted(a.rule for a in rules.alerts(None)) == ["isis", "raqqa"]


def test_an_article_matching_cannot_read_is_dead_lettered_and_the_next_one_alerts(
    settings, rules, lexicon
):
    unmatchable = b'{"id": "unmatchable", "text": "x"}'

    async def scenario(stage: Alerting) -> None:
        await stage.alerts.put(b"not json: the indexer dead-letters it, alerts skip it")
        await stage.alerts.put(unmatchable)
        record = json.loads((await received(stage.dead)).value)
        assert (record["reason"], record["error_class"]) == ("failed", "ValueError")
        assert record["origin"]["stage"] == "alerts" and record["origin"]["offset"] == 1
        assert record["origin"]["topic"] == settings.topic_tagged
        await stage.alerts.put(STRIKE.to_json(), key=b"strike")
        payload, _ = await stage.next_alert()
        assert payload["article_id"] == "strike"
        assert stage.dead.empty()  # one record: the unreadable message was only skipped

    run(settings, rules, lexicon, scenario, FailingEvaluator)


def test_a_spike_fires_once_when_its_window_reaches_the_level(settings, rule_store, lexicon):
    rule_store.add(
        new_rule(
            {"name": "surge", "query": "ISIS", "spike": {"window": 3600, "threshold": 3}}, lexicon
        )
    )
    rule_store.add(
        new_rule(
            {"name": "any", "query": "Raqqa", "spike": {"window": 3600, "threshold": 1}}, lexicon
        )
    )
    strikes = [STRIKE.model_copy(update={"id": f"strike-{i}"}) for i in range(4)]

    async def scenario(stage: Alerting) -> None:
        async def count(item: Article) -> None:
            # What the alerts agent sends to the spike-counts topic for each observation.
            _, observed = stage.evaluator.observe(item)
            for observation in observed:
                await stage.spikes.put(observation_message(observation, item.to_json()))

        for item in strikes[:3]:
            await count(item)
        payload, alert = await stage.next_alert()
        assert (payload["rule"], payload["kind"], payload["article_id"]) == (
            "surge",
            "spike",
            "strike-2",
        )
        assert alert.spike is not None
        assert (alert.spike["key"], alert.spike["count"], alert.spike["level"]) == (
            "Q2429253",
            3,
            3.0,
        )
        await count(strikes[3])  # the same window past its level: no second alert
        await count(WATER)
        payload, _ = await stage.next_alert()
        assert (payload["rule"], payload["article_id"]) == ("any", "water")
        table = stage.app.tables["rasad-alert-spikes"]
        assert table[f"surge|Q2429253|{alert.spike['window_start']:.0f}"] == 4

    run(settings, rule_store, lexicon, scenario)
