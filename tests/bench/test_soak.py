"""The soak benchmark's reading of a worker's garbage collections (its ``/metrics`` page)."""

from __future__ import annotations

import gc

from bench import soak
from bench.report import Report
from rasad import metrics
from tests.helpers.network import LocalServer


def test_the_soak_reads_a_workers_full_collections_from_its_metrics_page(gc_watched):
    gc.collect(2)
    gc.collect(2)
    page = LocalServer()
    page.routes["/metrics"] = lambda _: (200, {}, metrics.exposition()[0])
    try:
        pauses = soak._full_collections(int(page.url("").rsplit(":", 1)[1]))
    finally:
        page.close()
    assert pauses.count >= 2 and pauses.total > 0
    assert pauses.buckets[-1] == (float("inf"), pauses.count)  # +Inf holds them all
    report = Report("soak", "the soak's rows")
    soak._gc_measures(report, pauses)
    rows = {m.name: m.value for m in report.measures}
    assert rows["worker full garbage collections"] == pauses.count
    mean = rows["worker full garbage collection, mean"]
    assert mean == pauses.total / pauses.count * 1000
    assert rows["worker full garbage collection, longest at most"] >= mean


def test_a_worker_that_made_no_full_collection_gets_a_count_and_nothing_else():
    report = Report("soak", "the soak's rows")
    soak._gc_measures(report, soak.Pauses())
    assert [(m.name, m.value) for m in report.measures] == [
        ("worker full garbage collections", 0.0)
    ]
