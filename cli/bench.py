"""``rasad bench …``: benchmarks (speed and memory goals are checked here, not in tests).

Each benchmark is measured by its module in ``bench/`` and returns a ``bench.report.Report``;
these commands only parse options and show it: a table, or one JSON document with ``--json``
(each measure's name, value, unit, baseline and goal), so runs can be compared. ``rasad bench
all`` runs them all on the real stack and writes docs/benchmarks.md. The modules are imported
when their command runs: each pulls in the clients of the engines it measures, which ``rasad
--help`` should not pay for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from bench.report import Report
from cli.app import app, console
from rasad.errors import ConfigError

bench_app = typer.Typer(
    no_args_is_help=True, help="Benchmarks: each prints what it measured against its baseline."
)
app.add_typer(bench_app, name="bench")

AsJson = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON document (each measure's name, value, unit, baseline, goal) "
        "instead of the table.",
    ),
]


def _show(report: Report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(report.table())


def command(ctx: typer.Context) -> str:
    """The command line that runs this benchmark again, every option spelled out."""
    parts = ["rasad bench", str(ctx.info_name)]
    for name, value in ctx.params.items():
        if name == "as_json":
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else f"--no-{name.replace('_', '-')}")
        elif isinstance(value, list | tuple):
            parts += [f"{flag} {v}" for v in value]
        elif value is not None:
            parts.append(f"{flag} {value}")
    return " ".join(parts)


@bench_app.command("alerts")
def bench_alerts(
    ctx: typer.Context,
    rate: Annotated[
        float, typer.Option(help="Articles per second produced in the latency run.")
    ] = 100.0,
    seconds: Annotated[float, typer.Option(help="Length of the latency run.")] = 10.0,
    background: Annotated[
        int, typer.Option(help="Standing rules besides the measured one in the latency run.")
    ] = 10000,
    firing: Annotated[
        str,
        typer.Option(
            help="Background rules of the latency run: rare (~0.2 alert/article, like "
            "production) or heavy (~4 alerts/article, a stress test)."
        ),
    ] = "rare",
    split: Annotated[
        bool,
        typer.Option(
            help="Real stack: the alerts worker as its own process (--role alerts) beside a "
            "tagger,indexer worker, as docker-compose.yml runs them; --no-split: one "
            "worker doing everything."
        ),
    ] = True,
    articles: Annotated[int, typer.Option(help="Articles in each throughput run.")] = 2000,
    warmup: Annotated[
        float,
        typer.Option(
            help="Real stack: seconds produced at the same rate before the measured "
            "run, reported apart as a fresh worker's cold start."
        ),
    ] = 10.0,
    rules: Annotated[
        list[int] | None,
        typer.Option(help="Standing rules of the throughput runs besides 10 (repeatable)."),
    ] = None,
    alerting: Annotated[
        float,
        typer.Option(
            help="Share of the latency run's articles the measured rule alerts on: 1 = every "
            "one (the heaviest delivery load), 0.05 = one in twenty (production-like)."
        ),
    ] = 1.0,
    floor: Annotated[
        bool,
        typer.Option(
            help="Real stack: first the same run with bare Faust workers (the same Kafka hops, "
            "none of the work), the baseline of the latency and worker CPU rows."
        ),
    ] = True,
    as_json: AsJson = False,
) -> None:
    """Produce→alert latency (p50/p95/p99) at a steady rate; throughput with 10 to 100,000 rules."""
    from bench import alerts

    report = alerts.run(
        ctx.obj,
        rate=rate,
        seconds=seconds,
        background=background,
        firing=firing,
        split=split,
        articles=articles,
        warmup=warmup,
        rules=tuple(rules or (10000, 100000)),
        share=alerting,
        floor=floor,
        command=command(ctx),
    )
    _show(report, as_json)


@bench_app.command("dashboards")
def bench_dashboards(
    ctx: typer.Context,
    engine_docs: Annotated[
        int,
        typer.Option(
            help="Articles in the search engine's index (with RASAD_STORE=opensearch://… or "
            "elasticsearch://…)."
        ),
    ] = 100_000,
    sqlite_docs: Annotated[int, typer.Option(help="Articles in the SQLite store.")] = 50_000,
    repeats: Annotated[int, typer.Option(help="Timed runs of each aggregation.")] = 20,
    probes: Annotated[int, typer.Option(help="Articles produced in each live-lag run.")] = 40,
    rate: Annotated[float, typer.Option(help="Articles per second in the live-lag runs.")] = 5.0,
    as_json: AsJson = False,
) -> None:
    """Panels' aggregation p95, the overview's first render and page weight, produce→screen lag."""
    from bench import dashboards

    report = dashboards.run(
        ctx.obj,
        engine_docs=engine_docs,
        sqlite_docs=sqlite_docs,
        repeats=repeats,
        probes=probes,
        rate=rate,
        command=command(ctx),
    )
    _show(report, as_json)


@bench_app.command("index")
def bench_index(
    ctx: typer.Context,
    store: Annotated[
        list[str] | None,
        typer.Option(
            help="An engine to measure: opensearch://HOST:PORT or elasticsearch://HOST:PORT; "
            "once per engine, measured one after the other (default: RASAD_STORE)."
        ),
    ] = None,
    docs: Annotated[int, typer.Option(help="Articles for the throughput comparison.")] = 30000,
    runs: Annotated[
        int,
        typer.Option(help="Throughput runs: raw bulk and pipeline alternate, one ratio per run."),
    ] = 3,
    search_docs: Annotated[
        int, typer.Option(help="Articles in each engine's search-latency index.")
    ] = 200000,
    sqlite_docs: Annotated[
        int, typer.Option(help="Articles in the SQLite search-latency store.")
    ] = 50000,
    queries: Annotated[int, typer.Option(help="Faceted queries timed per store.")] = 200,
    as_json: AsJson = False,
) -> None:
    """Needs the stack (`rasad stack up`, RASAD_BUS=kafka://…): indexing and search per engine."""
    from bench import index

    report = index.run(
        ctx.obj,
        _stores(ctx.obj, store),
        docs=docs,
        runs=runs,
        search_docs=search_docs,
        sqlite_docs=sqlite_docs,
        queries=queries,
        command=command(ctx),
    )
    _show(report, as_json)


def _stores(settings: Any, urls: list[str] | None) -> list[Any]:
    try:
        return [settings.with_store(url).store for url in urls or []]
    except ValueError as exc:
        raise ConfigError(f"--store: {exc}") from exc


@bench_app.command("produce")
def bench_produce(
    ctx: typer.Context,
    count: Annotated[int, typer.Option(help="Synthetic articles per run.")] = 5000,
    size: Annotated[int, typer.Option(help="Bytes of text per article.")] = 2000,
    as_json: AsJson = False,
) -> None:
    """Articles/s of the synthetic corpus: a bare kafka-python loop, then `rasad produce`."""
    from bench import produce

    _show(produce.run(ctx.obj, count=count, size=size, command=command(ctx)), as_json)


@bench_app.command("soak")
def bench_soak(
    ctx: typer.Context,
    minutes: Annotated[
        float, typer.Option(help="Length of the run (60 for the real check).")
    ] = 3.0,
    rate: Annotated[float, typer.Option(help="Articles per second produced.")] = 100.0,
    warmup: Annotated[
        float, typer.Option(help="Fraction of the run before the RSS baseline is taken.")
    ] = 0.25,
    rules: Annotated[int, typer.Option(help="Standing alert rules the worker matches.")] = 1000,
    as_json: AsJson = False,
) -> None:
    """Needs the stack: a worker's RSS over a steady stream of distinct articles."""
    from bench import soak

    report = soak.run(
        ctx.obj, minutes=minutes, rate=rate, warmup=warmup, rules=rules, command=command(ctx)
    )
    _show(report, as_json)


@bench_app.command("tag")
def bench_tag(
    ctx: typer.Context,
    articles: Annotated[int, typer.Option(help="Articles in the synthetic corpus.")] = 600,
    words: Annotated[int, typer.Option(help="Words per article.")] = 250,
    big: Annotated[int, typer.Option(help="Surface forms of the grown lexicon.")] = 100_000,
    as_json: AsJson = False,
) -> None:
    """The tagger vs fold + bare Aho-Corasick and a naive regex; 1k → 100k forms; peak RSS."""
    from bench import tag

    _show(tag.run(articles=articles, words=words, big=big, command=command(ctx)), as_json)


@bench_app.command("all")
def bench_all(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option(help="The Markdown file written (a JSON file is written beside it).")
    ] = Path("docs/benchmarks.md"),
    quick: Annotated[
        bool,
        typer.Option(help="Smaller runs, a few minutes in all: to try it, not to publish."),
    ] = False,
    soak_minutes: Annotated[
        float | None,
        typer.Option(
            help="Length of the soak run: 10 by default, 2 with --quick "
            "(`rasad bench soak --minutes 60` alone)."
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Needs the stack: every benchmark, one after the other; writes docs/benchmarks.md."""
    from bench import suite

    reports = suite.run(ctx.obj, quick=quick, soak_minutes=soak_minutes)
    suite.write(reports, out, command(ctx))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            console.print(report.table())
        console.print(f"written: {out} and {out.with_suffix('.json')}")
