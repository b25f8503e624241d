"""OpenSearch — the search store and the alert store — stopped for 30 s in the middle of a
stream: no article and no alert lost, none repeated, and the worker waits instead of dying."""

from __future__ import annotations

import time

import pytest

from tests.helpers.faults import (
    RULE,
    Outputs,
    Producing,
    duplicates,
    report,
    stories,
    worker_metrics,
)
from tests.helpers.processes import rasad, settings_from, wait_for
from tests.helpers.receivers import WebhookReceiver

pytestmark = [pytest.mark.stack, pytest.mark.fault, pytest.mark.timeout(600)]
ARTICLES, RATE, OUTAGE = 1500, 50.0, 30.0


def test_the_store_stopped_mid_stream_loses_nothing(stack, stack_env, worker):
    opensearch = next(s for s in stack.servers if s.name == "opensearch")
    hook = WebhookReceiver()
    env = {
        **stack_env,
        "RASAD_WORKER_INSTANCE": "outage-1",
        "RASAD_ALERTS_ALLOW_PRIVATE": "true",
        "RASAD_ALERTS_RELOAD_INTERVAL": "1",
        "RASAD_INDEXER_MAX_BACKOFF": "4",  # back within seconds of the store
    }
    settings = settings_from(env)
    rasad("alerts", "add", RULE, "--query", RULE, "--webhook", hook.url,
          "--max-per-minute", "100000", env=env, check=True)  # fmt: skip
    items = stories(ARTICLES, tag=settings.worker_id)
    expected_alerts = sum(s.matches for s in items)
    out = Outputs(settings)
    w = worker(env=env)
    producing = Producing(settings, items, RATE)
    try:
        wait_for(lambda: w.check() or len(set(out.indexed())) >= 200, timeout=120,
                 message="the stream indexed before the outage")  # fmt: skip
        stopped = time.monotonic()
        opensearch.stop(settings.stack_stop_grace)
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
        w.check()  # waiting, not dead
        down_for = round(time.monotonic() - stopped, 1)
    finally:
        if opensearch.pid() is None:
            opensearch.start()
        wait_for(opensearch.ready, timeout=180, message="OpenSearch back")
    back = time.monotonic()
    try:
        producing.finish()
        assert len(producing.acknowledged()) == ARTICLES
        wait_for(lambda: w.check() or len(set(out.indexed())) >= ARTICLES, timeout=240,
                 message="every article indexed after the outage")  # fmt: skip
        caught_up = round(time.monotonic() - back, 1)
        wait_for(lambda: w.check() or out.finished_alerts(expected_alerts), timeout=240,
                 message="every alert delivered after the outage")  # fmt: skip
        time.sleep(3)
        indexed, alerts = out.indexed(), out.alerts()
        delivered = [body["id"] for body in hook.bodies()]
        on_topic = [a["id"] for a in out.topic(settings.topic_alerts) if a["rule"] == RULE]
        samples = worker_metrics(int(env["RASAD_WORKER_WEB_PORT"]))
        retries = {
            stage: samples.get(("rasad_store_retries_total", (("stage", stage),)), 0)
            for stage in ("indexer", "alerts")
        }
        report(
            "store stopped 30 s",
            produced=ARTICLES, indexed=len(set(indexed)), index_duplicates=duplicates(indexed),
            alerts_expected=expected_alerts, alerts_recorded=len(alerts),
            webhook_distinct=len(set(delivered)), webhook_duplicates=duplicates(delivered),
            topic_distinct=len(set(on_topic)), topic_duplicates=duplicates(on_topic),
            store_down_seconds=down_for, all_indexed_seconds_after_back=caught_up,
            store_retries=retries,
        )  # fmt: skip
        assert sorted(indexed) == sorted(s.id for s in items)
        assert sorted(a.story_id for a in alerts) == sorted(s.id for s in items if s.matches)
        assert all(d.status == "delivered" for a in alerts for d in a.deliveries)
        assert set(delivered) == set(on_topic) == {a.id for a in alerts}
        assert duplicates(delivered) == 0 and duplicates(on_topic) == 0
        assert retries["indexer"] > 0 and retries["alerts"] > 0  # both waited, neither skipped
    finally:
        hook.close()
        out.close()
