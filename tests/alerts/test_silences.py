"""Silence rules in-process: a source or concept quiet for longer than its level (absolute, or
K × its usual gap) fires once per silence, keys a rule names are watched before they are
heard, only the partitions a worker owns are checked, and the embedded pipeline's timer fires
them with no article arriving."""

from __future__ import annotations

from datetime import timedelta

import pytest

import wiring
from alerts import silences
from alerts.evaluator import Evaluator
from alerts.rules import Silence, new_rule
from rasad import concepts
from rasad.errors import BadInput, StoreError
from rasad.model import Article, utcnow
from rasad.settings import Settings
from tests.alerts.corpus import tagged_corpus
from tests.helpers.processes import wait_for


def test_a_key_fires_after_k_times_its_usual_gap():
    table: dict = {}
    silence = Silence(factor=3)
    for at in (0, 10, 20, 30):
        silences.heard(table, "quiet", silence, "reuters", at, article_id=f"a{at}")
    assert silences.quiet(table, {"quiet": silence}, now=59) == []
    [hit] = silences.quiet(table, {"quiet": silence}, now=61)
    assert (hit.key, hit.usual_gap, hit.level, hit.article_id) == ("reuters", 10, 30, "a30")
    assert hit.quiet == pytest.approx(31)


def test_the_factor_waits_for_three_gaps_and_after_is_a_floor():
    table: dict = {}
    for at in (0, 1, 2):  # two gaps: not yet a usual gap
        silences.heard(table, "r", Silence(factor=3), "afp", at)
    assert silences.quiet(table, {"r": Silence(factor=3)}, now=1000) == []
    silences.heard(table, "r", Silence(factor=3), "afp", 3)
    both = Silence(factor=3, after=60)  # 3 × 1 s would fire after 3 s: the floor says 60
    assert silences.quiet(table, {"r": both}, now=50) == []
    assert len(silences.quiet(table, {"r": both}, now=64)) == 1


def test_late_articles_do_not_move_the_last_time_and_gaps_are_bounded():
    table: dict = {}
    silence = Silence(after=100, history=3)
    for at in (0, 10, 20, 30, 40, 25):
        silences.heard(table, "r", silence, "ap", at)
    state = table["r|ap"]
    assert state["last"] == 40 and state["gaps"] == [10, 10, 10]


def test_only_the_partitions_a_worker_owns_and_the_keys_a_rule_watches_are_checked():
    table: dict = {}
    silence = Silence(after=5)
    silences.heard(table, "r", silence, "ap", 0, partition=0)
    silences.heard(table, "r", silence, "bbc", 0, partition=1)
    assert [h.key for h in silences.quiet(table, {"r": silence}, 10, {1}.__contains__)] == ["bbc"]
    narrowed = Silence(after=5, keys=["AP"])
    assert [h.key for h in silences.quiet(table, {"r": narrowed}, 10)] == ["ap"]
    assert silences.quiet(table, {"other": silence}, 10) == []


@pytest.mark.parametrize(
    ("silence", "message"),
    [
        ({"by": "source"}, "--quiet-for SECONDS or --quiet-factor K"),
        ({"by": "concept", "after": 60}, "must name its concepts"),
        ({"by": "country", "after": 60}, "silence.by"),
    ],
)
def test_bad_silence_rules_are_refused(silence, message):
    with pytest.raises(BadInput, match=message):
        new_rule({"name": "q", "silence": silence}, concepts.load())


def article(source: str, at, n: int = 0) -> Article:
    base = tagged_corpus()[3]
    return base.model_copy(
        update={"id": f"{source}-{n}", "story_id": None, "source": source, "ingested_at": at}
    )


def test_the_evaluator_watches_named_keys_and_fires_each_silence_once(rule_store):
    lexicon = concepts.load()
    rule = new_rule(
        {
            "name": "wires",
            "silence": {"by": "source", "keys": ["Reuters", "Quiet Wire"], "after": 60},
        },
        lexicon,
    )
    rule_store.add(rule)
    evaluator = Evaluator(rule_store, lexicon)
    evaluator.reload(force=True)
    start = rule.created_at.timestamp()
    seeds = evaluator.seeds()
    assert sorted(s.key for s in seeds) == ["quiet-wire", "reuters"] and evaluator.seeds() == []
    for seed in seeds:
        evaluator.count(seed, None)
    # Reuters is heard 50 s in (an article of another source is not watched by this rule).
    assert evaluator.match(article("Reuters", rule.created_at + timedelta(seconds=50))) == []
    evaluator.match(article("BBC", rule.created_at + timedelta(seconds=50)))
    [candidate] = evaluator.quiet(now=start + 61)
    [(alert, _, throttled)] = evaluator.admit([candidate])
    assert alert.kind == "silence" and alert.silence["key"] == "quiet-wire" and not throttled
    assert alert.title.startswith("quiet-wire: nothing for 1 min")
    assert evaluator.quiet(now=start + 70) == []  # once per silence
    # A restarted worker sees the silence again; the ledger does not let it fire twice.
    again = Evaluator(rule_store, lexicon, silence_table=evaluator.silence_table)
    again.reload(force=True)
    assert [c.silence.key for c in again.quiet(now=start + 70)] == ["quiet-wire"]
    assert again.admit(again.quiet(now=start + 70)) == []
    # Reuters, heard at 50 s, is quiet 60 s later; Quiet Wire, heard again at 80 s, at 140 s:
    # a new silence, a new alert.
    evaluator.match(article("Quiet Wire", rule.created_at + timedelta(seconds=80), 1))
    [reuters] = evaluator.quiet(now=start + 111)
    assert reuters.silence.key == "reuters" and len(evaluator.admit([reuters])) == 1
    [later] = evaluator.quiet(now=start + 141)
    assert later.silence.key == "quiet-wire" and later.silence.article_id == "Quiet Wire-1"
    assert len(evaluator.admit([later])) == 1
    assert evaluator.quiet(now=start + 200) == []


def test_a_concept_silence_watches_the_concepts_its_query_names(rule_store):
    lexicon = concepts.load()
    rule = new_rule(
        {"name": "isis-quiet", "query": "ISIS", "silence": {"by": "concept", "after": 30}}, lexicon
    )
    rule_store.add(rule)
    evaluator = Evaluator(rule_store, lexicon)
    evaluator.reload(force=True)
    assert [s.key for s in evaluator.seeds()] == ["Q2429253"]
    _, observed = evaluator.observe(article("Reuters", rule.created_at))
    assert [(o.rule, o.key) for o in observed] == [("isis-quiet", "Q2429253")]


def test_a_snoozed_rule_fires_nothing_until_its_snooze_ends(rule_store):
    lexicon = concepts.load()
    now = utcnow()
    rules = [
        new_rule(
            {"name": "isis", "query": "ISIS", "snoozed_until": now + timedelta(hours=1)}, lexicon
        ),
        new_rule(
            {
                "name": "quiet",
                "silence": {"by": "source", "after": 1},
                "snoozed_until": now + timedelta(hours=1),
            },
            lexicon,
        ),
        new_rule({"name": "off", "query": "ISIS", "enabled": False}, lexicon),
        new_rule(
            {
                "name": "burst",
                "query": "ISIS",
                "spike": {"threshold": 2, "window": 3600},
                "snoozed_until": now + timedelta(hours=1),
            },
            lexicon,
        ),
    ]
    rule_store.add_many(rules)
    evaluator = Evaluator(rule_store, lexicon)
    evaluator.reload(force=True)
    assert set(evaluator.rules) == {"isis", "quiet", "burst"}  # a disabled rule is not loaded
    for n in range(3):
        assert evaluator.match(article("Reuters", now, n)) == []
    assert evaluator.quiet(now=now.timestamp() + 100) == []
    assert sum(evaluator.spike_table.values()) == 3  # spikes still counted while snoozed
    woke = [r.model_copy(update={"snoozed_until": now - timedelta(seconds=1)}) for r in rules[:2]]
    rule_store.add_many(woke)
    evaluator.reload(force=True)
    assert [c.rule.name for c in evaluator.match(article("Reuters", now, 9))] == ["isis"]
    assert [c.rule.name for c in evaluator.quiet(now=now.timestamp() + 100)] == ["quiet"]


def test_the_embedded_pipeline_fires_a_silence_with_no_article_arriving(tmp_path):
    settings = Settings(data_dir=tmp_path, bus="memory://", alerts_check_interval=0.2)
    lexicon = wiring.lexicon()
    rules = wiring.open_rules(settings)
    rules.add(new_rule({"name": "wire-quiet", "silence": {"by": "source", "after": 1.5}}, lexicon))
    pipeline = wiring.open_pipeline(settings, lexicon)
    try:
        pipeline.bus.publish(
            settings.topic_raw,
            None,
            b'{"title": "Talks in Geneva", "text": "Delegations met in Geneva on Syria.",'
            b' "source": "Quiet Wire", "ingested_at": "' + utcnow().isoformat().encode() + b'"}',
        )
        [alert] = wait_for(
            lambda: rules.alerts("wire-quiet"), timeout=20, message="a silence alert"
        )
        assert alert.kind == "silence" and alert.silence["key"] == "quiet-wire"
        assert alert.silence["quiet"] >= 1.5 and alert.article_id
    finally:
        pipeline.close()


def test_a_silence_whose_claim_failed_is_tried_again(rule_store, monkeypatch):
    lexicon = concepts.load()
    rule = new_rule({"name": "q", "silence": {"by": "source", "keys": ["AP"], "after": 5}}, lexicon)
    rule_store.add(rule)
    evaluator = Evaluator(rule_store, lexicon)
    evaluator.reload(force=True)
    for seed in evaluator.seeds():
        evaluator.count(seed, None)
    now = rule.created_at.timestamp() + 10
    claim_many = rule_store.claim_many

    def down(ids):
        raise StoreError("the alert store is away")

    monkeypatch.setattr(rule_store, "claim_many", down)
    with pytest.raises(StoreError):
        evaluator.admit(evaluator.quiet(now=now))
    monkeypatch.setattr(rule_store, "claim_many", claim_many)
    [(alert, _, _)] = evaluator.admit(evaluator.quiet(now=now + 1))
    assert alert.silence["key"] == "ap" and evaluator.quiet(now=now + 2) == []
