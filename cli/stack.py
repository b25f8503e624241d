"""``rasad stack up|status|down``: the local Kafka and search engines from Maven Central."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from cli.app import app, console
from devstack import Stack, kafka_tools
from rasad.addresses import parse_bus
from rasad.errors import ConfigError
from rasad.settings import Settings, parse_engines

stack_app = typer.Typer(
    no_args_is_help=True,
    help="Start, check and stop the local Kafka + OpenSearch (and/or Elasticsearch).",
)
app.add_typer(stack_app, name="stack")

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Search engines: opensearch, elasticsearch or opensearch,elasticsearch "
        "[RASAD_STACK_ENGINES].",
    ),
]


def _stack(ctx: typer.Context, engine: str | None) -> Stack:
    try:
        return Stack(ctx.obj, parse_engines(engine) if engine else ())
    except ValueError as exc:  # an unknown engine name: a bad option, reported by the boundary
        raise ConfigError(f"--engine: {exc}") from exc


@stack_app.command("up")
def up(ctx: typer.Context, engine: EngineOption = None) -> None:
    """Resolve (once), start and wait for Kafka (KRaft) and the engines; a no-op if running."""
    stack = _stack(ctx, engine)
    names = " and ".join(s.name for s in stack.servers)
    started_at = time.monotonic()
    with console.status(f"starting {names} (the first run downloads them from Maven Central)…"):
        started = stack.up()
    elapsed = time.monotonic() - started_at
    console.print(
        f"stack ready in {elapsed:.1f}s"
        + (f" (started: {', '.join(started)})" if started else " (already running)")
    )
    _print_status(stack)


@stack_app.command("status")
def status(ctx: typer.Context, engine: EngineOption = None) -> None:
    """Show whether each server runs, answers, its memory and where its log is; and how far each
    worker group is behind on each topic (consumer lag)."""
    stack = _stack(ctx, engine)
    running = _print_status(stack)
    if not running:
        raise typer.Exit(1)
    _print_lag(ctx.obj)


def _print_lag(settings: Settings) -> None:
    # Imported here: kafka-python is only needed once Kafka answers.
    from rasad.bus.kafka import consumer_lag

    if settings.bus.scheme != "kafka":  # the stack's own Kafka
        settings = settings.model_copy(
            update={"bus": parse_bus(f"kafka://127.0.0.1:{settings.kafka_port}")}
        )
    totals: dict[tuple[str, str], list[int]] = {}
    for lag in consumer_lag(settings):
        behind = totals.setdefault((lag.group, lag.topic), [0, 0, 0])
        behind[0] += lag.behind
        behind[1] = max(behind[1], lag.behind)
        behind[2] += 1
    table = Table("worker group", "topic", "lag", "max / partition", "partitions")
    for (group, topic), (total, most, partitions) in sorted(totals.items()):
        table.add_row(group, topic, f"{total:,}", f"{most:,}", str(partitions))
    console.print(table if totals else "no consumer group has committed offsets yet")


@stack_app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop every server of the stack: SIGTERM, then SIGKILL after the grace period."""
    stopped = Stack(ctx.obj).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@stack_app.command(
    "kafka", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def kafka_tool(
    ctx: typer.Context,
    tool: Annotated[
        str,
        typer.Argument(
            help=f"One of Kafka's tools: {', '.join(kafka_tools.TOOLS)}; its own options follow."
        ),
    ],
) -> None:
    """Run one of Kafka's command-line tools against the bus, e.g. `rasad stack kafka
    console-producer --topic articles.raw` (--bootstrap-server is added)."""
    code = kafka_tools.run(ctx.obj, tool, list(ctx.args))
    if code:
        raise typer.Exit(code)


def _print_status(stack: Stack) -> bool:
    table = Table("server", "pid", "ready", "address", "RSS MiB")
    rows = stack.status()
    for s in rows:
        table.add_row(
            s.name,
            str(s.pid or "-"),
            "yes" if s.ready else "no",
            f"127.0.0.1:{s.port}",
            f"{s.rss_mb:.0f}" if s.rss_mb else "-",
        )
    console.print(table)
    for s in rows:
        console.print(f"{s.name} log: {s.log}", soft_wrap=True, highlight=False)
    return all(s.ready for s in rows)
