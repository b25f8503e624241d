"""``rasad bench all``: every benchmark on the real stack, one after the other, into one document.

Each row of docs/benchmarks.md is a measure with its baseline from the same run (the tagger
beside fold + Aho-Corasick and the naive regex, the indexer beside a raw bulk load, 100,000
rules beside 10 …), the machine it ran on and the load average around each benchmark (the
machine is shared: figures move with it), and the command that reproduces each table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench import alerts, dashboards, index, produce, soak, tag
from bench.report import Machine, Report, figure
from rasad.errors import ConfigError
from rasad.settings import Settings

console = Console(stderr=True)


def run(settings: Settings, quick: bool = False, soak_minutes: float | None = None) -> list[Report]:
    """Every benchmark, in the stream's order: tag, produce, index, alerts, dashboards, soak."""
    if settings.bus.scheme != "kafka" or settings.store.scheme == "sqlite":
        raise ConfigError(
            "bench all runs on the real stack: `rasad stack up`, then RASAD_BUS=kafka://… and "
            "RASAD_STORE=opensearch://… (or elasticsearch://…)"
        )
    runs: list[tuple[str, Callable[[str], Report], str]] = []
    articles, big = (300, 30_000) if quick else (600, 100_000)
    runs.append(
        (
            "tag",
            lambda c: tag.run(articles=articles, words=250, big=big, command=c),
            f"--articles {articles} --words 250 --big {big}",
        )
    )
    runs.append(("produce", lambda c: produce.run(settings, command=c), "--count 5000 --size 2000"))
    docs, search_docs = (10_000, 50_000) if quick else (30_000, 200_000)
    runs.append(
        (
            "index",
            lambda c: index.run(settings, docs=docs, search_docs=search_docs, command=c),
            f"--docs {docs} --runs 3 --search-docs {search_docs} --sqlite-docs 50000",
        )
    )
    seconds = 10 if quick else 30

    def alerts_at(rate: int, share: float = 1.0) -> Callable[[str], Report]:
        rules = (10000, 100000) if share == 1 else (10000,)
        return lambda c: alerts.run(
            settings, rate=rate, seconds=seconds, rules=rules, share=share, command=c
        )

    for rate in (100, 300):
        runs.append(
            (
                "alerts",
                alerts_at(rate),
                f"--rate {rate} --seconds {seconds} --rules 10000 --rules 100000",
            )
        )
    # The CPU per article at production's firing (a few percent of articles alert) beside the
    # runs above, where every article alerts and is delivered.
    runs.append(
        (
            "alerts",
            alerts_at(100, 0.05),
            f"--rate 100 --seconds {seconds} --rules 10000 --alerting 0.05",
        )
    )
    engine_docs = 20_000 if quick else 100_000
    runs.append(
        (
            "dashboards",
            lambda c: dashboards.run(settings, engine_docs=engine_docs, command=c),
            f"--engine-docs {engine_docs} --sqlite-docs 50000",
        )
    )
    minutes = soak_minutes if soak_minutes is not None else (2 if quick else 10)
    runs.append(
        ("soak", lambda c: soak.run(settings, minutes=minutes, command=c), f"--minutes {minutes}")
    )
    reports = []
    for name, measure, options in runs:
        console.rule(f"rasad bench {name} {options}")
        reports.append(measure(f"rasad bench {name} {options}"))
    return reports


def write(reports: list[Report], out: Path, command: str) -> None:
    """docs/benchmarks.md (and .json beside it) from the reports of one run."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(reports, command), encoding="utf-8")
    document = {"command": command, "reports": [r.as_dict() for r in reports]}
    out.with_suffix(".json").write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def markdown(reports: list[Report], command: str) -> str:
    machine = reports[0].machine if reports else Machine.here()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}` on {when}; every figure below is from that one run.",
        "",
        f"**Machine:** {machine.text()}. It is shared with other work: the load average is given",
        "for each benchmark, and figures that are CPU time of one process (the tagger, the",
        "alert matching) move less with it than wall-clock rates and latencies do.",
        "",
        "**Reproduce:** `make setup`, `rasad stack up`, then with `RASAD_BUS=kafka://HOST:PORT`",
        "and `RASAD_STORE=opensearch://HOST:PORT` (the stack's ports, `rasad settings`) run the",
        "command above, or any one benchmark with the command given under its table. Every",
        "`rasad bench …` also takes `--json`: one document with each measure's name, value, unit,",
        "baseline and goal, to compare runs.",
        "",
        "Each row compares a measure with its **baseline** from the same run (ratio = value /",
        "baseline) and checks it against its **goal** (met: yes / NO).",
        "",
        "## Goals at a glance",
        "",
        "| benchmark | measure | value | goal | met |",
        "|---|---|--:|---|---|",
    ]
    for report in reports:
        for m in report.measures:
            if m.goal is not None:
                value = (
                    f"{m.ratio:.2f}×" if m.goal.ratio and m.ratio else f"{figure(m.value)} {m.unit}"
                )
                met = {True: "yes", False: "NO", None: "n/a"}[m.met]
                lines.append(
                    f"| {report.name} | {m.name} | {value} | {m.goal.text(m.unit)} | {met} |"
                )
    lines.append("")
    lines += [report.markdown() for report in reports]
    return "\n".join(lines)
