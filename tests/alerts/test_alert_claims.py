"""Alerts claimed for the message that fired them: a replay of that message after a crash gets
its claims back (and finishes what the crash left), another message of the story does not."""

from __future__ import annotations

import pytest

import wiring
from alerts.alert import Delivery
from alerts.evaluator import Evaluator
from alerts.rules import new_rule
from rasad import concepts
from tests.alerts.corpus import tagged_corpus
from tests.helpers.engines import ENGINES, engine_settings


@pytest.fixture(params=ENGINES)
def store(request, tmp_path):
    rules = wiring.open_rules(engine_settings(request.param, tmp_path, request))
    yield rules
    rules.close()


def test_claims_by_owner(store):
    assert store.claim_owned(["a1", "a2"], ["m/0/1", "m/0/2"]) == {"a1": True, "a2": True}
    # The same messages again (a replay): theirs, not new. Another message: not its claim.
    assert store.claim_owned(["a1", "a2"], ["m/0/1", "m/1/9"]) == {"a1": False}
    # One batch holding the message and its replays (fetched twice, tagged again): held.
    assert store.claim_owned(["a1", "a1", "a3"], ["m/0/7", "m/0/1", "m/0/8"]) == {
        "a1": False,
        "a3": True,
    }


def test_a_replay_resumes_an_unfinished_alert_and_leaves_finished_ones(store):
    lexicon = concepts.load()
    store.add(
        new_rule({"name": "isis", "query": "ISIS", "webhooks": ["https://h.example/x"]}, lexicon)
    )
    evaluator = Evaluator(store, lexicon)
    evaluator.reload(force=True)
    article = tagged_corpus()[0]
    candidates = evaluator.match(article)
    first = evaluator.admit_owned(candidates, ["t/0/5"] * len(candidates))
    [(alert, _, _)] = first.new
    assert first.resumed == []
    # The crash came before the alert was recorded: the replay fires it again.
    again = evaluator.admit_owned(candidates, ["t/0/5"] * len(candidates))
    assert [a.id for a, _, _ in again.new] == [alert.id] and again.resumed == []
    # Recorded with its webhook pending (the crash came mid-delivery): the replay resumes it.
    alert.deliveries = [Delivery(kind="webhook", target="https://h.example/x")]
    store.record(alert)  # read back by id at once (no search, no refresh)
    resumed = evaluator.admit_owned(candidates, ["t/0/5"] * len(candidates))
    assert resumed.new == [] and [a.id for a, _, _ in resumed.resumed] == [alert.id]
    # Delivered and recorded as such: the replay leaves it alone; another message never fires it.
    alert.deliveries[0].status, alert.deliveries[0].attempts = "delivered", 1
    store.record(alert)
    done = evaluator.admit_owned(candidates, ["t/0/5"] * len(candidates))
    assert done.new == [] and done.resumed == []
    other = evaluator.admit_owned(candidates, ["t/1/6"] * len(candidates))
    assert other.new == [] and other.resumed == []
