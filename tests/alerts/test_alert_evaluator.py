"""The evaluator: one alert per rule per story (persisted), throttling,
spike windows and rule reloads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts import spikes
from alerts.evaluator import Evaluator
from alerts.rules import AlertRule, Spike, new_rule
from rasad import concepts
from rasad.model import utcnow
from tests.alerts.corpus import tagged_corpus


def evaluator_with(store, *rules: AlertRule) -> Evaluator:
    for rule in rules:
        store.add(rule)
    evaluator = Evaluator(store, concepts.load())
    evaluator.reload(force=True)
    return evaluator


def fire(evaluator: Evaluator, article):
    return evaluator.admit(evaluator.match(article))


def test_one_alert_per_rule_per_story_and_replays_do_not_fire(rule_store):
    lexicon = concepts.load()
    arabic = tagged_corpus()[0]
    evaluator = evaluator_with(rule_store, new_rule({"name": "isis", "query": "ISIS"}, lexicon))
    [(alert, _, throttled)] = fire(evaluator, arabic)
    assert (alert.rule, alert.article_id, throttled) == ("isis", arabic.id, False)
    assert alert.latency.tagged == arabic.tagged_at and alert.latency.ingested == arabic.ingested_at
    # Another article of the same story (a duplicate the processors grouped) does not fire again.
    duplicate = arabic.model_copy(update={"id": "dup-of-0", "story_id": arabic.id})
    assert fire(evaluator, duplicate) == []
    # A fresh evaluator on the same store (a restarted worker replaying
    # the topic) does not fire either.
    assert fire(evaluator_with(rule_store), arabic) == []


def test_rules_are_reloaded_when_added_or_removed(rule_store):
    evaluator = evaluator_with(rule_store)
    evaluator.reload_interval = 0
    assert evaluator.match(tagged_corpus()[3]) == []
    rule_store.add(new_rule({"name": "raqqa", "query": "Raqqa"}, concepts.load()))
    assert evaluator.reload() is True
    assert [c.rule.name for c in evaluator.match(tagged_corpus()[3])] == ["raqqa"]
    rule_store.remove("raqqa")
    evaluator.reload()
    assert evaluator.match(tagged_corpus()[3]) == []


def test_throttle_records_beyond_max_per_minute(rule_store):
    evaluator = evaluator_with(
        rule_store,
        new_rule({"name": "syria", "query": "country:SY", "max_per_minute": 2}, concepts.load()),
    )
    outcomes = [throttled for a in tagged_corpus() for _, _, throttled in fire(evaluator, a)]
    assert len(outcomes) >= 4
    assert outcomes[:2] == [False, False] and all(outcomes[2:])


def test_filters_narrow_a_rule(rule_store):
    lexicon = concepts.load()
    evaluator = evaluator_with(
        rule_store,
        new_rule({"name": "isis-ar", "query": "ISIS", "filters": {"lang": ["ar", "fr"]}}, lexicon),
    )
    fired = {a.language for a in tagged_corpus() if fire(evaluator, a)}
    assert fired == {"ar", "fr"}


def test_source_filter_takes_the_source_name(rule_store):
    rule = new_rule(
        {"name": "lemonde", "query": "Daech", "filters": {"source": ["Le Monde"]}}, concepts.load()
    )
    evaluator = evaluator_with(rule_store, rule)
    assert [a.source for a in tagged_corpus() if fire(evaluator, a)] == ["Le Monde"]


def test_spike_fires_once_when_the_window_reaches_the_threshold():
    table: dict = {}
    spike = Spike(by="country", window=60, threshold=3)
    hits = [
        spikes.count(table, "r", spike, ["SY", "RU"] if i == 1 else ["SY"], 120.0 + i)
        for i in range(5)
    ]
    assert [len(h) for h in hits] == [0, 0, 1, 0, 0]
    assert (hits[2][0].key, hits[2][0].count) == ("SY", 3)
    assert spikes.count(table, "r", spike, ["SY"], 185.0) == []  # a new window starts from zero


def test_spike_factor_compares_with_the_trailing_baseline():
    table: dict = {}
    spike = Spike(by="concept", window=10, factor=3, baseline=3)
    for window in range(3):  # a steady two per window
        for k in range(2):
            assert spikes.count(table, "r", spike, ["Q1"], window * 10 + k) == []
    counts = [len(spikes.count(table, "r", spike, ["Q1"], 30 + k)) for k in range(7)]
    assert counts == [0, 0, 0, 0, 0, 1, 0]  # fires at 6 = 3 × baseline 2
    assert (
        len([k for k in table if k.startswith("r|Q1|")]) <= spike.baseline + 1
    )  # old windows forgotten


def test_spike_rule_alerts_once_per_window(rule_store):
    rule = new_rule(
        {
            "name": "isis-burst",
            "query": "ISIS",
            "spike": {"by": "concept", "window": 3600, "threshold": 3},
        },
        concepts.load(),
    )
    evaluator = evaluator_with(rule_store, rule)
    base = tagged_corpus()[3]
    now = utcnow()
    fired = []
    for i in range(5):
        article = base.model_copy(
            update={"id": f"burst-{i}", "story_id": None, "ingested_at": now + timedelta(seconds=i)}
        )
        fired += fire(evaluator, article)
    assert len(fired) == 1
    alert = fired[0][0]
    assert alert.kind == "spike" and alert.spike["count"] == 3 and alert.spike["key"] == "Q2429253"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "query": "(ISIS OR Putin"}, "unbalanced parenthesis"),
        ({"name": "x", "query": "foo:bar"}, "unknown filter 'foo'"),
        ({"name": "x", "query": "ISIS", "filters": {"colour": ["red"]}}, "unknown filter 'colour'"),
        ({"name": "x", "query": "ISIS", "webhooks": ["ftp://example.com"]}, "bad URL"),
        ({"name": "x", "query": "ISIS", "webhooks": ["not a url"]}, "bad URL"),
        ({"name": "x", "query": "ISIS", "emails": ["nobody"]}, "bad email"),
        ({"name": "bad name!", "query": "ISIS"}, "bad rule name"),
        ({"name": "x", "query": ""}, "needs a query"),
        ({"name": "x", "spike": {"by": "country"}}, "threshold"),
        ({"name": "x", "spike": {"by": "colour", "threshold": 2}}, "spike.by"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(data, message):
    from rasad.errors import BadInput

    with pytest.raises(BadInput, match=message):
        new_rule(data, concepts.load())
