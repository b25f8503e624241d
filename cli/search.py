"""``rasad search``: full-text search from the terminal."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape

import wiring
from cli.app import app, console
from dashboards import export as exports
from dashboards.results import result_json
from rasad.query import Query, parse
from rasad.settings import Settings
from rasad.store import SearchRequest, SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>")
Sort = Literal["relevance", "date"]
Interval = Literal["day", "week", "month"]
Export = Literal["csv", "jsonl", "geojson"]


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            help='Query: words, "phrases", OR, NOT/-, +, (…), field:value '
            "(lang, country, concept, type, actor, place, source, story), "
            "since:/until:YYYY-MM-DD."
        ),
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON (the API's shape).")
    ] = False,
    page: Annotated[int, typer.Option(min=1, help="Result page.")] = 1,
    size: Annotated[int, typer.Option(min=1, max=100, help="Results per page.")] = 10,
    sort: Annotated[Sort, typer.Option(help="relevance or date (newest first).")] = "relevance",
    interval: Annotated[
        Interval, typer.Option(help="Date histogram buckets: day, week or month.")
    ] = "day",
    export: Annotated[
        Export | None,
        typer.Option(
            help="Write every hit (not one page) as csv, jsonl or geojson (one feature per "
            "tagged place) to standard output or --output."
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="File for --export.")] = None,
) -> None:
    """Search the store; highlights show why each article matched, facets what the results are.

    ``--export`` writes every hit instead, streamed: csv, jsonl, or geojson (a feature per place).
    """
    words = wiring.lexicon()
    if export:
        _export(ctx.obj, parse(query, words), export, output)
        return
    request = SearchRequest(
        parse(query, words), page=page, size=size, sort=sort, histogram=interval
    )
    result = wiring.open_store(ctx.obj, words).search(request)
    if json_output:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
        return
    _print(result, request)


def _export(settings: Settings, query: Query, name: str, output: Path | None) -> None:
    """Stream every hit of ``query`` in the export format ``name``."""
    lines = exports.chunks(
        exports.FORMATS[name][1](wiring.open_store(settings, wiring.lexicon()).scan(query))
    )
    if output is None:
        for chunk in lines:
            sys.stdout.write(chunk)
        return
    with output.open("w", encoding="utf-8", newline="") as file:
        for chunk in lines:
            file.write(chunk)


def _print(result: SearchResult, request: SearchRequest) -> None:
    first = request.offset + 1 if result.hits else 0
    console.print(
        f"{result.total} result(s), {first}–{request.offset + len(result.hits)} shown, "
        f"in {result.took_ms:.0f} ms"
    )
    for hit in result.hits:
        a = hit.article
        when = a.published_at or a.ingested_at
        meta = " · ".join(
            x for x in (a.id, a.source, a.language or "", f"{when:%Y-%m-%d}" if when else "") if x
        )
        console.print(f"\n[bold]{escape(a.title or a.text[:80])}[/bold]  [dim]{escape(meta)}[/dim]")
        for fragment in hit.highlights[:2]:
            console.print("  " + _marks(fragment))
        console.print("  [dim]" + escape(", ".join(t.label for t in a.tags[:10])) + "[/dim]")
    facets = [
        f"{name}: " + ", ".join(f"{v} ({n})" for v, n in buckets[:6])
        for name, buckets in result.facets.items()
        if buckets
    ]
    if facets:
        console.print("\n[dim]" + escape(" | ".join(facets)) + "[/dim]")


def _marks(fragment: str) -> str:
    """An escaped highlight fragment as rich markup: the marks reversed, everything else literal."""
    out, cursor = [], 0
    for m in _MARK.finditer(fragment):
        out.append(escape(html.unescape(fragment[cursor : m.start()])))
        out.append("[reverse]" + escape(html.unescape(m.group(1))) + "[/reverse]")
        cursor = m.end()
    out.append(escape(html.unescape(fragment[cursor:])))
    return "".join(out)
