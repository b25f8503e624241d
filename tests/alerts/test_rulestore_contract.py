"""One contract suite over every rule store (``tests.helpers.engines.ENGINES``), opened through the
registry: SQLite always, OpenSearch and Elasticsearch on the real test stack.

Rules by name (with their state, delivery, templates and silence condition), a revision that
changes with them, a ledger that says yes to an alert id once (replays and duplicates in a batch
included), the alert log newest first, its time-ranged and paged history, and the alerts whose
deliveries wait for a digest (also in a log made before digests existed).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import wiring
from alerts.alert import Alert, Delivery, Latency
from alerts.rules import AlertRule, Silence, Spike
from alerts.rulestores import RuleStore
from alerts.rulestores.searchengine import SearchEngineRuleStore
from rasad.errors import BadInput
from rasad.model import utcnow
from tests.helpers.engines import ENGINES, engine_settings
from tests.helpers.processes import wait_for


@pytest.fixture(params=ENGINES)
def rules(request, tmp_path: Path) -> Iterator[RuleStore]:
    """An empty rule store of each engine (its own file, or its own index prefix)."""
    store = wiring.open_rules(engine_settings(request.param, tmp_path, request))
    yield store
    if isinstance(store, SearchEngineRuleStore):
        store.engine.delete_indices([store.rules_index, store.ledger_index, store.log_index])
    store.close()


def alert(n: int, rule: str = "isis", minutes: int = 0) -> Alert:
    return Alert(
        id=f"alert{n}",
        rule=rule,
        article_id=f"a{n}",
        story_id=f"s{n}",
        title=f"عنوان {n}",
        latency=Latency(matched=utcnow() - timedelta(minutes=minutes)),
        deliveries=[Delivery(kind="webhook", target="https://example.org/hook")],
    )


def test_rules_are_kept_by_name_in_name_order(rules):
    spike = AlertRule(name="raqqa-spike", query="Raqqa", spike=Spike(threshold=5))
    rules.add(AlertRule(name="isis", query="ISIS", webhooks=["https://example.org/h"]))
    rules.add(spike)
    assert [r.name for r in rules.rules()] == ["isis", "raqqa-spike"]
    assert rules.get("raqqa-spike") == spike
    assert rules.get("missing") is None


def test_a_taken_name_is_bad_input_unless_replaced(rules):
    rules.add(AlertRule(name="isis", query="ISIS"))
    with pytest.raises(BadInput, match="exists"):
        rules.add(AlertRule(name="isis", query="داعش"))
    rules.add(AlertRule(name="isis", query="داعش"), replace=True)
    assert rules.get("isis").query == "داعش"


def test_the_revision_changes_with_every_added_or_removed_rule(rules):
    seen = [rules.revision()]
    rules.add(AlertRule(name="isis", query="ISIS"))
    seen.append(rules.revision())
    rules.add_many([AlertRule(name=f"r{i}", query="Putin") for i in range(3)])
    seen.append(rules.revision())
    assert rules.remove("r1") and not rules.remove("r1")
    seen.append(rules.revision())
    assert len(set(seen)) == 4
    assert [r.name for r in rules.rules()] == ["isis", "r0", "r2"]


def test_many_rules_page_past_a_thousand(rules):
    rules.add_many([AlertRule(name=f"rule{i:04d}", query="ISIS") for i in range(1203)])
    names = [r.name for r in rules.rules()]
    assert len(names) == 1203 and names == sorted(names)


def test_the_ledger_says_yes_once_per_alert_id(rules):
    assert rules.claim("x") and not rules.claim("x")
    assert rules.claim_many(["x", "y", "y", "z"]) == {"y", "z"}  # a duplicate in a batch: once
    assert rules.claim_many(["y", "z", "w"]) == {"w"}
    assert rules.claim_many(["v"]) == {"v"} and rules.claim_many([]) == set()


def test_alerts_are_recorded_updated_and_listed_newest_first(rules):
    rules.record(alert(1, minutes=3))
    rules.record_many([alert(2, minutes=2), alert(3, rule="putin", minutes=1)])
    delivered = alert(1, minutes=3)
    delivered.deliveries[0].status = "delivered"
    rules.record(delivered)  # the same id again: an update, not a second alert

    def settled() -> list[Alert]:
        # The engines make a recorded alert searchable within their refresh interval.
        listed = rules.alerts()
        done = len(listed) == 3 and listed[-1].deliveries[0].status == "delivered"
        return listed if done else []

    listed = wait_for(settled, timeout=10, message="three alerts, the first one updated")
    assert [a.id for a in listed] == ["alert3", "alert2", "alert1"]
    assert listed[2].title == "عنوان 1"
    assert [a.id for a in rules.alerts(rule="isis")] == ["alert2", "alert1"]
    assert [a.id for a in rules.alerts(limit=1)] == ["alert3"]


def test_setup_is_idempotent_and_keeps_what_is_stored(rules):
    rules.add(AlertRule(name="isis", query="ISIS"))
    rules.claim("x")
    rules.setup()
    rules.setup()
    assert [r.name for r in rules.rules()] == ["isis"] and not rules.claim("x")


def logged(n: int, rule: str = "isis", minutes: float = 0, status: str = "delivered") -> Alert:
    return Alert(
        id=f"alert{n:03d}",
        rule=rule,
        article_id=f"a{n}",
        story_id=f"s{n}",
        title=f"عنوان {n}",
        latency=Latency(matched=utcnow() - timedelta(minutes=minutes)),
        deliveries=[Delivery(kind="webhook", target="https://example.org/hook", status=status)],
    )


def settled(rules: RuleStore, count: int, **query) -> list[Alert]:
    """The history once the engine shows ``count`` alerts (they refresh within a second)."""

    def shown() -> list[Alert]:
        page = rules.history(**query)
        return page.alerts if page.total == count else []

    return wait_for(shown, timeout=10, interval=0.2, message=f"{count} alerts in the history")


def test_rules_keep_their_state_delivery_templates_and_silence(rules):
    rule = AlertRule(
        name="quiet",
        silence=Silence(by="source", keys=["Reuters"], after=600, factor=3),
        snoozed_until=utcnow() + timedelta(hours=1),
        delivery="digest",
        digest_minutes=15,
        message={"subject": "[$rule] $silence_key", "text": "$title"},
        enabled=False,
    )
    rules.add(rule)
    assert rules.get("quiet") == rule
    assert rules.get("quiet").silence.keys == ["reuters"]


def test_the_history_is_a_time_range_newest_first_filtered_and_paged(rules):
    rules.record_many([logged(n, "isis" if n % 2 else "putin", minutes=n * 10) for n in range(9)])
    everything = settled(rules, 9)
    assert [a.id for a in everything] == [f"alert{n:03d}" for n in range(9)]
    now = utcnow()
    ranged = rules.history(since=now - timedelta(minutes=45), until=now - timedelta(minutes=15))
    assert (ranged.total, [a.id for a in ranged.alerts]) == (
        3,
        ["alert002", "alert003", "alert004"],
    )
    isis = rules.history(rule="isis", offset=2, limit=2)
    assert isis.total == 4 and [a.id for a in isis.alerts] == ["alert005", "alert007"]
    assert rules.history(since=now + timedelta(minutes=1)).total == 0
    assert rules.history(limit=3).alerts[0].title == "عنوان 0"


def test_alerts_waiting_for_a_digest_are_found_until_recorded_as_sent(rules):
    waiting = [logged(n, "digest", minutes=30 - n, status="queued") for n in range(3)]
    rules.record_many([*waiting, logged(9, "digest", minutes=40)])
    settled(rules, 4)
    assert [a.id for a in rules.queued(utcnow())] == ["alert000", "alert001", "alert002"]
    assert [a.id for a in rules.queued(utcnow() - timedelta(minutes=29.5))] == ["alert000"]
    sent = waiting[0].model_copy(deep=True)
    sent.deliveries[0].status = "delivered"
    rules.record(sent)

    def dequeued() -> list[str]:
        ids = [a.id for a in rules.queued(utcnow())]
        return ids if ids == ["alert001", "alert002"] else []

    assert wait_for(dequeued, timeout=10, interval=0.2, message="the sent alert dequeued")


def test_a_log_made_before_digests_learns_the_queued_field(rules):
    """setup() on a log created by an older Rasad (no ``queued`` field) makes it usable."""
    if not isinstance(rules, SearchEngineRuleStore):  # SQLite: an older file's alerts table
        db = rules._db  # private on purpose: the test plays an older version's schema
        db.execute("DROP TABLE alerts")
        db.execute(
            "CREATE TABLE alerts (id TEXT PRIMARY KEY, rule TEXT NOT NULL, matched TEXT NOT NULL,"
            " alert TEXT NOT NULL)"
        )
    else:
        rules.engine.delete_indices([rules.log_index])
        older = {
            "dynamic": "strict",
            "properties": {
                "name": {"type": "keyword"},
                "rule": {"type": "keyword"},
                "matched": {"type": "date"},
                "body": {"type": "object", "enabled": False},
            },
        }
        rules.engine.create_index(rules.log_index, {"mappings": older})
    rules.setup()
    rules.record(logged(1, "digest", status="queued"))
    found = wait_for(lambda: rules.queued(utcnow() + timedelta(seconds=1)), timeout=10)
    assert [a.id for a in found] == ["alert001"]
