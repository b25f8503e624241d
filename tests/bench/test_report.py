"""Benchmark reports: goals on values and on ratios to a baseline, JSON and Markdown, ``--json``."""

from __future__ import annotations

import json
import math

from bench.report import Measure, Report, at_least, at_most, figure
from tests.helpers.cli import invoke as rasad


def test_a_goal_checks_the_value_or_the_ratio_to_the_baseline():
    raw = Measure("raw bulk", 10_000, "docs/s")
    piped = Measure("pipeline", 8_500, "docs/s", raw, at_least(0.8, ratio=True))
    slow = Measure("pipeline", 7_000, "docs/s", raw, at_least(0.8, ratio=True))
    assert piped.ratio == 0.85 and piped.met is True and slow.met is False
    assert Measure("p99", 120, "ms", goal=at_most(100)).met is False
    assert Measure("p99", 80, "ms", goal=at_most(100)).met is True
    assert Measure("alone", 5, "x", goal=at_least(1, ratio=True)).met is None  # no baseline
    assert Measure("n/a", math.nan, "ms", goal=at_most(1)).met is None


def test_a_report_is_one_json_document_with_every_measure_and_its_context():
    report = Report("demo", "demo | bench", "rasad bench demo --n 3")
    base = report.add(Measure("floor", 200.0, "articles/s"))
    report.add(Measure("ours", 100.0, "articles/s", base, at_least(1.0, ratio=True), "a|b"))
    data = json.loads(json.dumps(report.finish().as_dict()))
    assert data["command"] == "rasad bench demo --n 3" and data["machine"]["cores"] >= 1
    ours = data["measures"][1]
    assert ours["baseline"] == {"name": "floor", "value": 200.0, "unit": "articles/s"}
    assert ours["ratio"] == 0.5 and ours["met"] is False
    assert ours["goal"]["of"] == "ratio" and ours["goal"]["text"] == "≥ 1× baseline"
    markdown = report.markdown()
    assert (
        "| ours | 100 articles/s | floor: 200 articles/s | 0.50× | ≥ 1× baseline | NO | a\\|b |"
        in markdown
    )
    assert "load average" in markdown


def test_figures_keep_the_digits_that_matter():
    assert [figure(x) for x in (12345.6, 123.4, 12.34, 1.234, 0.1234)] == [
        "12,346",
        "123",
        "12.3",
        "1.23",
        "0.123",
    ]


def test_bench_tag_json_gives_the_measures_with_baselines_and_goals():
    result = rasad("bench", "tag", "--articles", "20", "--words", "60", "--big", "2000", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["benchmark"] == "tag" and data["command"].startswith("rasad bench tag")
    by_name = {m["name"]: m for m in data["measures"]}
    full = by_name["rasad tagger (full)"]
    assert full["baseline"]["name"] == "fold + bare Aho-Corasick scan of the same forms"
    assert full["goal"] == {"op": ">=", "bound": 1.0, "of": "ratio", "text": "≥ 1× baseline"}
    assert full["value"] > 0 and full["ratio"] > 0
    assert by_name["rasad tagger (full) vs the naive regex"]["baseline"]["unit"] == "articles/s"
    cold = by_name["rasad tagger (full), cold: each article's words mostly new"]
    assert cold["baseline"]["name"] == "rasad tagger (full)" and cold["value"] > 0
    assert any(m["name"].startswith("peak RSS") and m["unit"] == "MB" for m in data["measures"])
