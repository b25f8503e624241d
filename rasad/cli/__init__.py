"""The ``rasad`` command: the composition root that wires stages together from one Settings."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from rasad.errors import RasadError
from rasad.settings import Settings

app = typer.Typer(
    name="rasad", no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
    help="Rasad (رصد): a streaming monitor for geopolitical news — ingest, tag, search, alert.",
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the width


@app.callback()
def main(
    ctx: typer.Context,
    bus: Annotated[Optional[str], typer.Option(help="Bus URL: memory:// or kafka://HOST:PORT [RASAD_BUS].")] = None,
    store: Annotated[Optional[str], typer.Option(help="Store URL: sqlite:///PATH or opensearch://HOST:PORT [RASAD_STORE].")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="Folder for local state [RASAD_DATA_DIR].")] = None,
    log_level: Annotated[Optional[str], typer.Option(help="debug, info, warning, error [RASAD_LOG_LEVEL].")] = None,
) -> None:
    """Read the settings once; every command gets them from the context."""
    overrides = {k: v for k, v in {"bus": bus, "store": store, "data_dir": data_dir, "log_level": log_level}.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValueError as exc:
        err.print(f"error: bad settings: {exc}")
        raise typer.Exit(2) from exc
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.log_level.lower() != "debug":
        for chatty in ("kafka", "opensearch", "elastic_transport", "httpx", "aiokafka"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    ctx.obj = settings


def fail(exc: RasadError) -> typer.Exit:
    """Print an expected error as one clear line; the caller raises the returned Exit."""
    err.print(f"error: {exc}", markup=False, highlight=False)
    return typer.Exit(1)


def run() -> None:
    """Console-script entry point."""
    from rasad.cli import commands  # noqa: F401 - registers the commands on ``app``

    app()
