"""``rasad alerts add|list|rm|test|fired``: manage keyword and spike alert rules."""

from __future__ import annotations

from dataclasses import replace as with_changes
from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

import wiring
from alerts.rules import compile_query, new_rule
from cli.app import app, console
from rasad.errors import BadInput
from rasad.model import utcnow
from rasad.settings import Settings
from rasad.store import SearchRequest

alerts_app = typer.Typer(
    no_args_is_help=True, help="Keyword and spike alerts: saved searches evaluated on the stream."
)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name (letters, digits, . - _).")],
    query: Annotated[str, typer.Option(help="Search query, same syntax as `rasad search`.")] = "",
    webhook: Annotated[
        list[str] | None, typer.Option(help="Webhook URL: signed JSON POST (repeatable).")
    ] = None,
    email: Annotated[list[str] | None, typer.Option(help="Email address (repeatable).")] = None,
    slack: Annotated[
        list[str] | None, typer.Option(help="Slack-compatible incoming-webhook URL (repeatable).")
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option(help="Only articles in this language (ar, en, fr, ru, tr) (repeatable)."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(help="Only articles about this country (ISO code) (repeatable)."),
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only articles from this source (repeatable).")
    ] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Only this event type (repeatable).")
    ] = None,
    spike_by: Annotated[
        str | None, typer.Option(help="Make it a spike rule counted per concept or country.")
    ] = None,
    window: Annotated[float, typer.Option(help="Spike window in seconds.")] = 300.0,
    threshold: Annotated[
        int, typer.Option(help="Spike: fire at this many articles in a window.")
    ] = 0,
    factor: Annotated[
        float,
        typer.Option(
            help="Spike: fire at K × the trailing baseline (at least K: a quiet history counts as 1 per window)."
        ),
    ] = 0.0,
    baseline: Annotated[int, typer.Option(help="Spike: windows the baseline averages.")] = 6,
    max_per_minute: Annotated[
        int, typer.Option(help="Throttle: alerts per minute beyond which they are only recorded.")
    ] = 60,
    replace: Annotated[bool, typer.Option(help="Replace a rule of the same name.")] = False,
) -> None:
    """Save a rule; a bad query, filter or destination is refused with the reason."""
    filters = {
        k: v
        for k, v in {"lang": lang, "country": country, "source": source, "type": type_}.items()
        if v
    }
    data = {
        "name": name,
        "query": query,
        "filters": filters,
        "webhooks": webhook or [],
        "emails": email or [],
        "slack": slack or [],
        "max_per_minute": max_per_minute,
    }
    if spike_by:
        data["spike"] = {
            "by": spike_by,
            "window": window,
            "threshold": threshold,
            "factor": factor,
            "baseline": baseline,
        }
    rule = new_rule(data, wiring.lexicon())
    wiring.open_rules(ctx.obj).add(rule, replace=replace)
    console.print(
        f"saved rule {rule.name}"
        + (f"  (webhook signing secret: {rule.secret})" if rule.webhooks else ""),
        markup=False,
    )


@alerts_app.command("list")
def list_rules(ctx: typer.Context) -> None:
    """Show every rule: query, filters, spike condition, destinations."""
    rules = wiring.open_rules(ctx.obj).rules()
    table = Table("name", "query", "filters", "spike", "destinations")
    for r in rules:
        spike = (
            f"by {r.spike.by}, {r.spike.window:g}s, ≥{r.spike.threshold or ''}{' ×' + format(r.spike.factor, 'g') if r.spike.factor else ''}"
            if r.spike
            else ""
        )
        table.add_row(
            r.name,
            r.query,
            " ".join(f"{k}:{','.join(v)}" for k, v in r.filters.items()),
            spike,
            "\n".join(f"{k} {t}" for k, t in r.destinations),
        )
    console.print(table)
    console.print(f"{len(rules)} rule(s)")


@alerts_app.command("rm")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Delete a rule."""
    if not wiring.open_rules(ctx.obj).remove(name):
        raise BadInput(f"no rule named {name!r}", reason="bad_rule")
    console.print(f"removed rule {name}", markup=False)


@alerts_app.command("test")
def test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name.")],
    days: Annotated[int, typer.Option(min=1, help="How far back to look.")] = 7,
    size: Annotated[int, typer.Option(min=1, max=100, help="Matches to list.")] = 20,
) -> None:
    """What the rule would have matched in the last N days (runs its query on the search store)."""
    settings: Settings = ctx.obj
    words = wiring.lexicon()
    rule = wiring.open_rules(settings).get(name)
    if rule is None:
        raise BadInput(f"no rule named {name!r}", reason="bad_rule")
    query = compile_query(rule, words)
    since = utcnow() - timedelta(days=days)
    query = with_changes(query, since=max(since, query.since) if query.since else since)
    request = SearchRequest(query, size=size, sort="date", histogram=None, facets=False)
    result = wiring.open_store(settings, words).search(request)
    console.print(f"{result.total} article(s) in the last {days} day(s) match {name}", markup=False)
    for hit in result.hits:
        a = hit.article
        when = a.published_at or a.ingested_at
        console.print(
            f"  {when:%Y-%m-%d %H:%M} · {a.id} · {a.source} · {a.title or a.text[:80]}"
            if when
            else f"  {a.id} · {a.title}",
            markup=False,
        )


@alerts_app.command("fired")
def fired(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this rule.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the alert records as JSON lines.")
    ] = False,
) -> None:
    """Recent alerts with their latency record and what each destination did."""
    alerts = wiring.open_rules(ctx.obj).alerts(name, limit)
    if json_output:
        for alert in alerts:
            typer.echo(alert.model_dump_json())
        return
    table = Table("matched", "rule", "title", "ingest→match", "deliveries")
    for a in alerts:
        lag = a.latency.ingest_to_match
        table.add_row(
            f"{a.latency.matched:%H:%M:%S}",
            a.rule,
            (a.title or a.snippet)[:60],
            f"{lag:.3f}s" if lag is not None else "-",
            "\n".join(
                f"{d.kind} {d.status} ×{d.attempts}" + (f": {d.reason}" if d.reason else "")
                for d in a.deliveries
            ),
        )
    console.print(table)
