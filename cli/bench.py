"""``rasad bench …``: benchmarks that print a table (speed and memory goals
are checked here, not in tests).

Each benchmark is measured by its module in ``bench/``; these commands only parse options and
print. The modules are imported when their command runs: each pulls in the clients of the
engines it measures, which ``rasad --help`` should not pay for.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import app, console
from rasad.errors import ConfigError

bench_app = typer.Typer(
    no_args_is_help=True, help="Benchmarks: each prints a table of what it measured."
)
app.add_typer(bench_app, name="bench")


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
) -> None:
    """Produce→alert latency (p50/p95/p99) at a steady rate, and
    throughput with 10 vs 10,000 rules.
    """
    from bench import alerts

    console.print(
        alerts.run(
            ctx.obj,
            rate=rate,
            seconds=seconds,
            background=background,
            firing=firing,
            split=split,
            articles=articles,
            warmup=warmup,
        )
    )


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
) -> None:
    """Panels' aggregation p95, the overview's first render and page weight
    in Chromium, produce→screen lag.
    """
    from bench import dashboards

    console.print(
        dashboards.run(
            ctx.obj,
            engine_docs=engine_docs,
            sqlite_docs=sqlite_docs,
            repeats=repeats,
            probes=probes,
            rate=rate,
        )
    )


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
    ] = 2,
    search_docs: Annotated[
        int, typer.Option(help="Articles in each engine's search-latency index.")
    ] = 200000,
    sqlite_docs: Annotated[
        int, typer.Option(help="Articles in the SQLite search-latency store.")
    ] = 50000,
    queries: Annotated[int, typer.Option(help="Faceted queries timed per store.")] = 200,
) -> None:
    """Needs the stack (`rasad stack up`, RASAD_BUS=kafka://…): indexing and search per engine."""
    from bench import index

    try:
        stores = [ctx.obj.with_store(url).store for url in store or []]
    except ValueError as exc:
        raise ConfigError(f"--store: {exc}") from exc
    console.print(
        index.run(
            ctx.obj,
            stores,
            docs=docs,
            runs=runs,
            search_docs=search_docs,
            sqlite_docs=sqlite_docs,
            queries=queries,
        )
    )


@bench_app.command("produce")
def bench_produce(
    ctx: typer.Context,
    count: Annotated[int, typer.Option(help="Synthetic articles per run.")] = 5000,
    size: Annotated[int, typer.Option(help="Bytes of text per article.")] = 2000,
) -> None:
    """Articles/s and MB/s on the synthetic corpus: bare kafka-python loop, then
    `rasad produce` (same settings).
    """
    from bench import produce

    console.print(produce.run(ctx.obj, count=count, size=size))


@bench_app.command("tag")
def bench_tag(
    articles: Annotated[int, typer.Option(help="Articles in the synthetic corpus.")] = 600,
    words: Annotated[int, typer.Option(help="Words per article.")] = 250,
    big: Annotated[int, typer.Option(help="Surface forms of the grown lexicon.")] = 100_000,
) -> None:
    """Articles/s and MB/s of the tagger vs a naive regex tagger.

    Cost from 1k to 100k forms; peak RSS.
    """
    from bench import tag

    console.print(tag.run(articles=articles, words=words, big=big))
