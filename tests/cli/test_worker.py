"""`rasad worker` as an operator runs it: /metrics on its web server, JSON logs, and SIGTERM
finishing the work in hand and committing it."""

from __future__ import annotations

import json
import signal
import urllib.request

import pytest

from rasad.bus.kafka import consumer_lag
from tests.helpers.faults import Outputs, Producing, stories, worker_metrics
from tests.helpers.processes import settings_from, wait_for

pytestmark = pytest.mark.stack


def test_metrics_json_logs_and_a_clean_stop(stack_env, worker):
    env = {
        **stack_env,
        "RASAD_WORKER_ROLE": "tagger,indexer",
        "RASAD_LOG_FORMAT": "json",
        "RASAD_WORKER_FETCH_WAIT_MS": "60",
        "RASAD_WORKER_FETCH_MIN_BYTES": "2048",
    }
    settings = settings_from(env)
    items = stories(300, tag=settings.worker_id)
    out = Outputs(settings)
    w = worker(env=env)
    try:
        Producing(settings, items[:100], rate=1000).finish()
        wait_for(lambda: w.check() or len(set(out.indexed())) >= 100, timeout=120,
                 message="the first articles indexed")  # fmt: skip
        bad = Producing(settings, [], rate=1)
        bad._producer.send(settings.topic_raw, b"{not json")  # one for the dead-letter count
        bad.finish()
        port = int(env["RASAD_WORKER_WEB_PORT"])

        def page():
            samples = worker_metrics(port)
            dead = samples.get(
                ("rasad_dead_letters_total", (("reason", "not_json"), ("stage", "tagger"))), 0
            )
            return samples if dead else None

        samples = wait_for(page, timeout=60, message="the dead letter counted")
        assert samples[("rasad_articles_total", (("stage", "tagger"),))] >= 100
        assert samples[("rasad_articles_total", (("stage", "indexer"),))] >= 100
        assert samples[("rasad_store_up", (("stage", "indexer"),))] == 1
        gauges = {lb for (name, lb) in samples if name == "rasad_consumer_lag"}
        raw_0 = (("group", settings.worker_id), ("partition", "0"), ("topic", settings.topic_raw))
        assert raw_0 in gauges
        # What the consumer is doing, for an operator asking why a worker does not consume.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/consumer", timeout=10) as answer:
            state = json.loads(answer.read())
        rows = {(row["topic"], row["partition"]): row for row in state["partitions"]}
        first = rows[(settings.topic_raw, 0)]
        assert state["flow_active"] and first["active"] and not first["paused"]
        assert state["fetching"] == {"max_wait_ms": 60, "min_bytes": 2048}  # the settings
        assert first["fetch"]["position"] >= (first["committed"] or 0)
        assert {topic for topic, _ in rows} >= {settings.topic_raw, settings.topic_tagged}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/tasks", timeout=10) as answer:
            tasks = answer.read().decode()
        assert "_execute_actor" in tasks and "processors/agents.py" in tasks  # the awaits inside
        # A stream in hand when SIGTERM comes: finished and committed before the worker exits.
        Producing(settings, items[100:], rate=1000).finish()
        wait_for(lambda: len(set(out.indexed())) >= 150, timeout=120, message="mid-stream")
        w.process.send_signal(signal.SIGTERM)
        assert w.process.wait(timeout=60) == 0
        indexed = set(out.indexed())
        lags = consumer_lag(settings, [settings.worker_id])
        committed = {
            t: sum(lag.committed for lag in lags if lag.topic == t) for t in _topics(settings)
        }
        ends = {t: sum(lag.end for lag in lags if lag.topic == t) for t in _topics(settings)}
        # What it took in hand it finished and committed: each raw message it committed was
        # tagged (or dead-lettered: the one bad message), each tagged one indexed and committed.
        raw, hop, tagged = _topics(settings)
        assert committed[raw] - 1 == ends[hop] == committed[hop] == ends[tagged]
        assert committed[tagged] == ends[tagged] == len(indexed)
        log_lines = [line for line in w.output().splitlines() if line.startswith("{")]
        assert log_lines and all(json.loads(line)["level"] for line in log_lines)
        assert any(json.loads(line).get("reason") == "not_json" for line in log_lines)
    finally:
        out.close()


def _topics(settings) -> tuple[str, str, str]:
    return settings.topic_raw, f"{settings.worker_id}-stories", settings.topic_tagged
