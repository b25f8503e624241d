"""``rasad search``: full-text search from the terminal."""
from __future__ import annotations

import html
import json
import re
from typing import Annotated

import typer

from rasad import concepts
from rasad.cli import app, console, fail
from rasad.cli.wiring import open_store
from rasad.errors import RasadError
from rasad.query import parse
from rasad.store import SearchRequest

_MARK = re.compile(r"<mark>(.*?)</mark>")


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Query: words, "phrases", OR, NOT/-, field:value (lang, country, concept, type, source), since:/until:.')],
    json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    page: Annotated[int, typer.Option(min=1, help="Result page.")] = 1,
    size: Annotated[int, typer.Option(min=1, max=100, help="Results per page.")] = 10,
    sort: Annotated[str, typer.Option(help="relevance or date.")] = "relevance",
) -> None:
    """Search the store; highlights show why each article matched."""
    from dashboards.app import result_json

    try:
        store = open_store(ctx.obj)
        request = SearchRequest(parse(query, concepts.load()), page=page, size=size,
                                sort="date" if sort == "date" else "relevance")
        result = store.search(request)
    except RasadError as exc:
        raise fail(exc) from exc
    if json_output:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
        return
    console.print(f"{result.total} result(s) in {result.took_ms:.0f} ms")
    for hit in result.hits:
        a = hit.article
        when = (a.published_at or a.ingested_at)
        console.print(f"\n[bold]{a.title or a.text[:80]}[/bold]  [dim]{a.id} · {a.source} · {a.language} · "
                      f"{when:%Y-%m-%d}[/dim]" if when else f"\n[bold]{a.title}[/bold]  [dim]{a.id}[/dim]")
        for fragment in hit.highlights[:2]:
            console.print("  " + _MARK.sub(r"[reverse]\1[/reverse]", html.unescape(fragment).replace("[", r"\[")))
        console.print("  [dim]" + ", ".join(f"{t.label}" for t in a.tags[:10]) + "[/dim]")
