"""The ``rasad`` command: reads the settings once and is the CLI's one error boundary.

Commands raise ``RasadError`` (or let the settings' ``ValidationError`` through); the group
below turns either into one line on stderr and a non-zero exit code — no command catches
errors just to print them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from typer.core import TyperGroup

from rasad import logs
from rasad.errors import RasadError
from rasad.settings import Settings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the width
_CHATTY_LOGGERS = ("kafka", "opensearch", "elastic_transport", "elasticsearch", "httpx", "aiokafka")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; the caller raises the returned Exit."""
    err.print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


class _Boundary(TyperGroup):
    """The root command group: every command runs inside its ``invoke``."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RasadError as exc:
            raise fail(str(exc)) from exc
        except ValidationError as exc:
            raise fail(settings_error(exc), code=2) from exc


def settings_error(exc: ValidationError) -> str:
    """One line naming each bad setting by its environment variable."""
    problems = []
    for error in exc.errors():
        name = "RASAD_" + str(error["loc"][0]).upper() if error["loc"] else "settings"
        problems.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
    return "bad setting " + "; ".join(problems)


app = typer.Typer(
    name="rasad",
    cls=_Boundary,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Rasad (رصد): a streaming monitor for geopolitical news — ingest, tag, search, alert.",
)


@app.callback()
def main(
    ctx: typer.Context,
    bus: Annotated[
        str | None, typer.Option(help="Bus URL: memory:// or kafka://HOST:PORT [RASAD_BUS].")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="Store URL: sqlite:///PATH, opensearch://HOST:PORT or elasticsearch://HOST:PORT "
            "[RASAD_STORE]."
        ),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder for local state [RASAD_DATA_DIR].")
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning, error [RASAD_LOG_LEVEL].")
    ] = None,
) -> None:
    """Read the settings once; every command gets them from the context."""
    flags: dict[str, Any] = {
        "bus": bus,
        "store": store,
        "data_dir": data_dir,
        "log_level": log_level,
    }
    settings = Settings(**{k: v for k, v in flags.items() if v is not None})
    quiet = _CHATTY_LOGGERS if settings.log_level != "debug" else ()
    logs.configure(settings.log_level, settings.log_format, quiet)
    ctx.obj = settings
