"""``rasad produce``: files, folders, feeds and synthetic articles onto the
bus (once, or following them).
"""

from __future__ import annotations

import itertools
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

import wiring
from cli.app import app, console, err
from producers.feeds import FeedSource
from producers.fetch import Fetcher, FetchLimits
from producers.files import FileSource, estimate_items, list_files, read_file
from producers.follow import Follower
from producers.publisher import Producer, Summary
from producers.state import State
from producers.synthetic import synthetic_items
from rasad.bus import Bus
from rasad.errors import BadInput
from rasad.settings import Settings

MAX_ERRORS_SHOWN = 10


@app.command()
def produce(
    ctx: typer.Context,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders (page-text dumps, .jsonl/.ndjson, .rss/.atom/.xml) or feed URLs "
            "(http/https)."
        ),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(help="Keep watching folders for new files and polling feeds until Ctrl-C."),
    ] = False,
    synthetic: Annotated[
        int, typer.Option(help="Also send this many synthetic articles (load tests).")
    ] = 0,
    synthetic_size: Annotated[
        int, typer.Option(help="Bytes of text per synthetic article.")
    ] = 2000,
    resend: Annotated[
        bool, typer.Option(help="Ignore the state of earlier runs: send again what they delivered.")
    ] = False,
) -> None:
    """Send articles to the raw topic (on memory:// they are processed and indexed in-process).

    Exact duplicates are dropped; what earlier runs delivered is not sent again (state under
    RASAD_DATA_DIR). Bad inputs are listed and dead-lettered; the exit code is 1 if there were any.
    """
    settings: Settings = ctx.obj
    inputs = inputs or []
    if not inputs and not synthetic:
        raise BadInput("nothing to produce: give files, folders, feed URLs or --synthetic N")
    urls = [i for i in inputs if "://" in i]
    paths = [Path(i) for i in inputs if "://" not in i]
    pipeline = wiring.open_pipeline(settings, wiring.lexicon())
    destination = f"{settings.bus}|{settings.topic_raw}"
    state = State(None if resend else settings.data_dir / "producer-state.db", destination)
    limits = FetchLimits(
        settings.producer_fetch_timeout,
        settings.producer_max_bytes,
        settings.producer_max_redirects,
    )
    try:
        with Fetcher(limits) as fetcher:
            if follow:
                summary = _follow(settings, pipeline.bus, state, fetcher, paths, urls)
            else:
                summary = _once(
                    settings, pipeline.bus, state, fetcher, paths, urls, synthetic, synthetic_size
                )
    finally:
        pipeline.close()
        state.close()
    _print_summary(summary)
    if summary.errors:
        raise typer.Exit(1)


def _once(
    settings: Settings,
    bus: Bus,
    state: State,
    fetcher: Fetcher,
    paths: list[Path],
    urls: list[str],
    synthetic: int,
    synthetic_size: int,
) -> Summary:
    producer = Producer(bus, settings, state, batch=settings.producer_batch)
    sources = [FileSource(paths, fetcher).items()] if paths else []
    sources += [FeedSource(url, fetcher, state.feed_position(url)).items() for url in urls]
    sources += [synthetic_items(synthetic, synthetic_size)] if synthetic else []
    total = estimate_items(list_files(paths)) + synthetic + len(urls)
    with Progress(
        TextColumn("[bold]producing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=total < 20,
    ) as progress:
        task = progress.add_task("producing", total=total)
        summary = producer.send(
            itertools.chain.from_iterable(sources), on_item=lambda _: progress.advance(task)
        )
    return summary


def _follow(
    settings: Settings, bus: Bus, state: State, fetcher: Fetcher, paths: list[Path], urls: list[str]
) -> Summary:
    producer = Producer(bus, settings, state, batch=settings.producer_batch)
    folders = [p for p in paths if p.is_dir()]
    summary = producer.send(item for p in paths if not p.is_dir() for item in read_file(p, fetcher))
    follower = Follower(
        producer,
        state,
        fetcher,
        folders,
        urls,
        settings.producer_folder_interval,
        settings.producer_feed_interval,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    console.print(
        f"following {len(folders)} folder(s) and {len(urls)} feed(s); Ctrl-C to stop",
        highlight=False,
    )

    def report(what, poll):
        console.print(
            f"{what}: sent {poll.sent} · duplicates {poll.duplicates} · errors {len(poll.errors)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        for line in poll.errors[:MAX_ERRORS_SHOWN]:
            err.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)

    summary.add(follower.run(stop, on_summary=report))
    return summary


def _print_summary(summary: Summary) -> None:
    console.print(
        f"read {summary.read} · sent {summary.sent} · duplicates {summary.duplicates} · "
        f"errors {len(summary.errors)}",
        highlight=False,
    )
    for line in summary.errors[:MAX_ERRORS_SHOWN]:
        err.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    if len(summary.errors) > MAX_ERRORS_SHOWN:
        err.print(
            f"… and {len(summary.errors) - MAX_ERRORS_SHOWN} more errors (all are on the "
            "dead-letter topic)"
        )
