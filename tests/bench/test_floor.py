"""The floor under ``rasad bench alerts``: bare workers on the real Kafka; what a run watches."""

from __future__ import annotations

from bench.alerts_stack import BENCH, CPU_PER_ARTICLE, MACHINE, _servers, floor_run
from bench.floor import _alerts
from tests.helpers.processes import settings_from


def test_bare_workers_carry_every_article_through_the_hops_and_report_their_cpu(stack_env):
    measured = 30
    lat = floor_run(settings_from(stack_env), rate=30, count=measured, split=True, warmup=10)

    # one message per measured article (the warm-up ones are left out), each timed from its
    # produce: the hops are real, so it takes some time, and not minutes
    assert len(lat["topic"]) == measured
    assert all(0 < seconds < 60 for seconds in lat["topic"])
    for what in ("tagger,indexer", "alerts", BENCH, MACHINE):
        assert lat[f"{CPU_PER_ARTICLE}{what}"][0] > 0, what


def test_a_run_watches_the_stack_servers_its_bus_and_store_use(stack, stack_settings, stack_env):
    test = settings_from(stack_env)
    on_stack = stack_settings.model_copy(update={"bus": test.bus, "store": test.store})
    running = {s.name: s.pid for s in stack.status() if s.pid is not None}

    assert _servers(on_stack) == {name: running[name] for name in ("kafka", "opensearch")}
    elsewhere = settings_from(
        {**stack_env, "RASAD_BUS": "kafka://127.0.0.1:1", "RASAD_STORE": "sqlite:///x.db"}
    )
    assert _servers(elsewhere.model_copy(update={"data_dir": stack_settings.data_dir})) == {}


def test_a_bare_alert_names_the_article_and_its_produce_time_without_parsing_it():
    raw = b'{"url": "https://x.example/1", "title": "t", "ingested_at": "2026-12-02T10:00:00Z"}'
    (one,) = _alerts([raw])

    assert one == (
        b'{"rule": "bench-isis", "url": "https://x.example/1", '
        b'"latency": {"ingested": "2026-12-02T10:00:00Z"}}'
    )
