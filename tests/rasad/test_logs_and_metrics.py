"""Structured logs (RASAD_LOG_FORMAT=json) and the Prometheus metrics every stage updates."""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rasad import metrics
from rasad.logs import JsonFormatter


def test_a_json_log_line_carries_the_message_its_origin_and_the_error():
    record = logging.makeLogRecord(
        {
            "name": "processors.agents",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "rejected %s",
            "args": ("it \ud800",),
            "topic": "articles.raw",
            "partition": 3,
            "offset": 17,
            "reason": "not_json",
        }
    )
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "warning" and line["logger"] == "processors.agents"
    assert line["message"] == "rejected it ?"  # a lone surrogate cannot be written: replaced
    assert (line["topic"], line["partition"], line["offset"], line["reason"]) == (
        "articles.raw",
        3,
        17,
        "not_json",
    )
    assert line["error"] == "ValueError" and "boom" in line["traceback"]
    assert line["at"].endswith("+00:00")


@pytest.fixture(autouse=True)
def no_kafka() -> Iterator[None]:
    """No lag source left behind by another test (a worker's app registers one for its Kafka)."""
    metrics.lag_source(lambda: [])
    yield
    metrics.lag_source(lambda: [])


def _samples(name: str) -> dict[tuple, float]:
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == name
    }


def test_stage_counters_and_gauges_reach_the_metrics_page():
    before = metrics.value("rasad_articles_total", stage="testing")
    metrics.handled("testing", 3)
    metrics.dead_lettered("testing", "too_deep")
    metrics.store_retry("testing")
    metrics.alert_latency("matched", 0.2)
    assert metrics.value("rasad_articles_total", stage="testing") == before + 3
    assert _samples("rasad_dead_letters_total")[(("reason", "too_deep"), ("stage", "testing"))] >= 1
    assert _samples("rasad_store_up")[(("stage", "testing"),)] == 0
    metrics.store_up("testing")
    assert _samples("rasad_store_up")[(("stage", "testing"),)] == 1
    assert _samples("rasad_alert_latency_seconds_count")[(("step", "matched"),)] >= 1


def test_consumer_lag_is_read_at_scrape_time_and_a_failing_source_costs_nothing_else():
    metrics.lag_source(lambda: [metrics.Lag("rasad", "articles.raw", 0, committed=40, end=45)])
    assert _samples("rasad_consumer_lag") == {
        (("group", "rasad"), ("partition", "0"), ("topic", "articles.raw")): 5.0
    }

    def away() -> list[metrics.Lag]:
        raise OSError("Kafka is away")

    metrics.lag_source(away)
    assert _samples("rasad_consumer_lag") == {}
    assert _samples("rasad_store_up")  # the rest still answers
    metrics.lag_source(lambda: [])


def test_each_garbage_collection_is_timed_by_generation_once(gc_watched):
    metrics.watch_gc()  # a second call adds no second timer
    full = metrics.value("rasad_gc_pause_seconds_count", generation="2")
    young = metrics.value("rasad_gc_pause_seconds_count", generation="0")
    gc.collect(2)
    gc.collect(0)
    assert metrics.value("rasad_gc_pause_seconds_count", generation="2") == full + 1
    assert metrics.value("rasad_gc_pause_seconds_count", generation="0") >= young + 1
    assert metrics.value("rasad_gc_pause_seconds_sum", generation="2") > 0
    assert metrics.value("rasad_gc_pause_seconds_bucket", generation="2", le="+Inf") == full + 1
    assert sum(type(callback).__name__ == "_GcPauses" for callback in gc.callbacks) == 1


def test_the_collection_timer_calls_no_python_function(gc_watched):
    # A collection can start anywhere, a few frames short of the recursion limit: a timer that
    # called Python functions there (Histogram.observe does) ended as "exception ignored".
    timer = next(c for c in gc.callbacks if type(c).__name__ == "_GcPauses")
    calls: list[str] = []

    def profile(frame, event, _arg):
        if event == "call":
            calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        timer("start", {"generation": 2})
        timer("stop", {"generation": 2, "collected": 0, "uncollectable": 0})
    finally:
        sys.setprofile(None)
    assert calls == ["__call__", "__call__"]
