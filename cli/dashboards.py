"""``rasad dashboards``: list and check the dashboards, export them to OSD or Kibana."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

import wiring
from cli.app import app, console
from dashboards import definition, osd
from indexers.dsl import to_dsl
from indexers.mapping import field_types
from rasad.errors import ConfigError, StackError
from rasad.settings import Settings

dashboards_app = typer.Typer(
    no_args_is_help=True,
    help="Dashboards as data: the shipped ones and your own (RASAD_DASHBOARDS_DIR).",
)
app.add_typer(dashboards_app, name="dashboards")


@dashboards_app.command("list")
def list_dashboards(ctx: typer.Context) -> None:
    """Check every dashboard file (a bad one stops with its file and panel named) and list them."""
    settings: Settings = ctx.obj
    for board in definition.load(settings.dashboards_dir, wiring.lexicon()).values():
        kinds = ", ".join(f"{p.id} ({p.kind})" for p in board.panels)
        console.print(f"[bold]{board.id}[/bold]  {board.title} — {kinds}")


@dashboards_app.command("export")
def export(
    ctx: typer.Context,
    dashboard: Annotated[
        list[str] | None, typer.Option(help="Dashboard id to export (repeatable; default: all).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the NDJSON here (default: standard output).")
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--format", help="osd (OpenSearch Dashboards 2.x) or kibana (Kibana 8) saved objects."
        ),
    ] = "osd",
    osd_url: Annotated[
        str | None,
        typer.Option(
            help="Import into this OpenSearch Dashboards (its saved-objects _import API) "
            "instead of printing, waiting for it to come up."
        ),
    ] = None,
    kibana_url: Annotated[
        str | None,
        typer.Option(help="Import into this Kibana instead (implies --format kibana)."),
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for OSD/Kibana to answer.")] = 300.0,
) -> None:
    """Saved objects (index pattern, visualizations, dashboards) for OSD 2.x or Kibana 8."""
    settings: Settings = ctx.obj
    target = osd.TARGETS.get("kibana" if kibana_url else kind)
    if target is None or (osd_url and kibana_url) or (osd_url and target is osd.KIBANA):
        raise ConfigError("use --format osd (with --osd-url) or --format kibana (--kibana-url)")
    words = wiring.lexicon()
    boards = definition.load(settings.dashboards_dir, words)
    chosen = dashboard or list(boards)
    unknown = [b for b in chosen if b not in boards]
    if unknown:
        raise ConfigError(f"no dashboard {unknown[0]!r}; there are {', '.join(boards)}")
    mapping = field_types()
    objects: dict[str, dict] = {}
    for board_id in chosen:
        for obj in osd.saved_objects(
            boards[board_id], settings.index_alias, mapping, to_dsl, words, target
        ):
            objects[f"{obj['type']}:{obj['id']}"] = obj  # the index pattern is shared
    text = "".join(osd.ndjson(list(objects.values())))
    if osd_url or kibana_url:
        _import(osd_url or kibana_url or "", text, wait, target)
    elif output:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(objects)} saved objects written to {output}")
    else:
        sys.stdout.write(text)


def _import(url: str, text: str, wait: float, target: osd.Target) -> None:
    """POST the objects to ``{url}/api/saved_objects/_import?overwrite=true`` once it is up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            response = httpx.post(
                url.rstrip("/") + "/api/saved_objects/_import",
                params={"overwrite": "true"},
                headers={target.xsrf_header: "true"},
                files={"file": ("rasad.ndjson", text.encode("utf-8"), "application/ndjson")},
                timeout=30,
            )
            if response.status_code < 500:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise StackError(f"{target.name} at {url} did not answer within {wait:g}s")
        time.sleep(3)
    result = (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if response.status_code != 200 or not result.get("success"):
        raise StackError(
            f"{target.name} refused the import ({response.status_code}): {response.text[:500]}"
        )
    console.print(f"imported {result.get('successCount')} saved objects into {url}")
