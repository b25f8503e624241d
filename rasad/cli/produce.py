"""``rasad produce``: read files and folders onto the bus."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from rasad.cli import app, console, err, fail
from rasad.cli.wiring import open_pipeline
from rasad.errors import RasadError


@app.command()
def produce(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: page-text dumps, .jsonl/.ndjson exports.")],
) -> None:
    """Send articles to the raw topic (on memory:// they are processed and indexed in-process)."""
    from producers.delivery import deliver
    from producers.files import FileSource

    settings = ctx.obj
    try:
        pipeline = open_pipeline(settings)
    except RasadError as exc:
        raise fail(exc) from exc
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                      transient=True) as progress:
            task = progress.add_task("producing", total=None)
            summary = deliver(FileSource(paths).items(), pipeline.bus, settings,
                              on_item=lambda item: progress.advance(task))
    except RasadError as exc:
        raise fail(exc) from exc
    finally:
        pipeline.close()
    console.print(f"read {summary.read} · sent {summary.sent} · duplicates {summary.duplicates} · errors {len(summary.errors)}")
    for line in summary.errors[:10]:
        err.print(f"error: {line}", markup=False, highlight=False)
    if len(summary.errors) > 10:
        err.print(f"… and {len(summary.errors) - 10} more errors")
    if summary.errors:
        raise typer.Exit(1)
