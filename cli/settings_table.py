"""``rasad settings``: every setting, its environment variable, default and meaning."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.app import app, console
from rasad.settings import Settings


@app.command("settings")
def settings_command(
    ctx: typer.Context,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the README's Markdown table.")
    ] = False,
) -> None:
    """List the settings (env var, default, description) and their current values."""
    current: Settings = ctx.obj
    rows = current.describe()
    if markdown:
        typer.echo(markdown_table(rows))
        return
    table = Table("variable", "current", "description")
    for (name, _, description), field in zip(rows, type(current).model_fields, strict=True):
        table.add_row(name, str(getattr(current, field)), description)
    console.print(table)


def markdown_table(rows: list[tuple[str, str, str]]) -> str:
    """The settings as the README's Markdown table."""
    lines = ["| Variable | Default | Description |", "|---|---|---|"]
    for name, default, description in rows:
        shown = f"`{default}`" if default else "(none)"
        lines.append(f"| `{name}` | {shown} | {description} |")
    return "\n".join(lines)
