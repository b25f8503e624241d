"""``rasad alerts add|list|rm|test|fired``: manage keyword and spike alert rules; wiring of the alert stage."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Optional

import typer
from rich.table import Table

from rasad import concepts
from rasad.cli import app, console, fail
from rasad.errors import RasadError
from rasad.model import utcnow
from rasad.settings import Settings

alerts_app = typer.Typer(no_args_is_help=True, help="Keyword and spike alerts: saved searches evaluated on the stream.")
app.add_typer(alerts_app, name="alerts")


def _many(text: str):
    return Annotated[Optional[list[str]], typer.Option(help=text + " (repeatable).")]


def open_rules(settings: Settings):
    """The alert rule store beside the configured search store."""
    from alerts.rulestore import open_rule_store

    return open_rule_store(settings.store, settings.data_dir, prefix=settings.index_alias)


def attach_embedded(bus, settings: Settings) -> None:
    """Run the alert evaluator on the memory bus (the embedded pipeline)."""
    from alerts.delivery.dispatcher import Dispatcher
    from alerts.embedded import attach
    from alerts.evaluator import Evaluator

    store = open_rules(settings)
    attach(bus, settings, Evaluator(store, concepts.load(), reload_interval=settings.alerts_reload_interval),
           Dispatcher(settings, store))


def register_worker(faust_app, topics, settings: Settings) -> None:
    """Register the alerts agent on the Faust worker."""
    from alerts.agents import register
    from alerts.delivery.dispatcher import Dispatcher
    from alerts.evaluator import Evaluator

    store = open_rules(settings)
    register(faust_app, topics, Evaluator(store, concepts.load()), Dispatcher(settings, store),
             reload_interval=settings.alerts_reload_interval)


def api_routes(settings: Settings) -> list:
    """The /api/alerts routes for the dashboard app."""
    from alerts.api import routes

    return routes(open_rules(settings), concepts.load(), settings.alerts_token.get_secret_value())


@alerts_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name (letters, digits, . - _).")],
    query: Annotated[str, typer.Option(help="Search query, same syntax as `rasad search`.")] = "",
    webhook: _many("Webhook URL: signed JSON POST") = None,
    email: _many("Email address") = None,
    slack: _many("Slack-compatible incoming-webhook URL") = None,
    lang: _many("Only articles in this language (ar, en, fr, ru, tr)") = None,
    country: _many("Only articles about this country (ISO code)") = None,
    source: _many("Only articles from this source") = None,
    type_: Annotated[Optional[list[str]], typer.Option("--type", help="Only this event type (repeatable).")] = None,
    spike_by: Annotated[Optional[str], typer.Option(help="Make it a spike rule counted per concept or country.")] = None,
    window: Annotated[float, typer.Option(help="Spike window in seconds.")] = 300.0,
    threshold: Annotated[int, typer.Option(help="Spike: fire at this many articles in a window.")] = 0,
    factor: Annotated[float, typer.Option(help="Spike: fire at K × the trailing baseline (at least K: a quiet history counts as 1 per window).")] = 0.0,
    baseline: Annotated[int, typer.Option(help="Spike: windows the baseline averages.")] = 6,
    max_per_minute: Annotated[int, typer.Option(help="Throttle: alerts per minute beyond which they are only recorded.")] = 60,
    replace: Annotated[bool, typer.Option(help="Replace a rule of the same name.")] = False,
) -> None:
    """Save a rule; a bad query, filter or destination is refused with the reason."""
    from alerts.rules import new_rule

    filters = {k: v for k, v in {"lang": lang, "country": country, "source": source, "type": type_}.items() if v}
    data = {"name": name, "query": query, "filters": filters, "webhooks": webhook or [], "emails": email or [],
            "slack": slack or [], "max_per_minute": max_per_minute}
    if spike_by:
        data["spike"] = {"by": spike_by, "window": window, "threshold": threshold, "factor": factor, "baseline": baseline}
    try:
        rule = new_rule(data, concepts.load())
        open_rules(ctx.obj).add(rule, replace=replace)
    except RasadError as exc:
        raise fail(exc) from exc
    console.print(f"saved rule {rule.name}" + (f"  (webhook signing secret: {rule.secret})" if rule.webhooks else ""),
                  markup=False)


@alerts_app.command("list")
def list_rules(ctx: typer.Context) -> None:
    """Show every rule: query, filters, spike condition, destinations."""
    try:
        rules = open_rules(ctx.obj).rules()
    except RasadError as exc:
        raise fail(exc) from exc
    table = Table("name", "query", "filters", "spike", "destinations")
    for r in rules:
        spike = f"by {r.spike.by}, {r.spike.window:g}s, ≥{r.spike.threshold or ''}{' ×' + format(r.spike.factor, 'g') if r.spike.factor else ''}" if r.spike else ""
        table.add_row(r.name, r.query, " ".join(f"{k}:{','.join(v)}" for k, v in r.filters.items()), spike,
                      "\n".join(f"{k} {t}" for k, t in r.destinations))
    console.print(table)
    console.print(f"{len(rules)} rule(s)")


@alerts_app.command("rm")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Delete a rule."""
    try:
        gone = open_rules(ctx.obj).remove(name)
    except RasadError as exc:
        raise fail(exc) from exc
    if not gone:
        raise fail(RasadError(f"no rule named {name!r}"))
    console.print(f"removed rule {name}", markup=False)


@alerts_app.command("test")
def test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name.")],
    days: Annotated[int, typer.Option(min=1, help="How far back to look.")] = 7,
    size: Annotated[int, typer.Option(min=1, max=100, help="Matches to list.")] = 20,
) -> None:
    """What the rule would have matched in the last N days (runs its query on the search store)."""
    from dataclasses import replace as with_changes

    from alerts.rules import compile_query
    from rasad.cli.wiring import open_store
    from rasad.store import SearchRequest

    settings: Settings = ctx.obj
    try:
        rule = open_rules(settings).get(name)
        if rule is None:
            raise RasadError(f"no rule named {name!r}")
        query = compile_query(rule, concepts.load())
        since = utcnow() - timedelta(days=days)
        query = with_changes(query, since=max(since, query.since) if query.since else since)
        result = open_store(settings).search(SearchRequest(query, size=size, sort="date", histogram=None, facets=False))
    except RasadError as exc:
        raise fail(exc) from exc
    console.print(f"{result.total} article(s) in the last {days} day(s) match {name}", markup=False)
    for hit in result.hits:
        a = hit.article
        when = a.published_at or a.ingested_at
        console.print(f"  {when:%Y-%m-%d %H:%M} · {a.id} · {a.source} · {a.title or a.text[:80]}" if when else
                      f"  {a.id} · {a.title}", markup=False)


@alerts_app.command("fired")
def fired(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="Only this rule.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="Print the alert records as JSON lines.")] = False,
) -> None:
    """Recent alerts with their latency record and what each destination did."""
    try:
        alerts = open_rules(ctx.obj).alerts(name, limit)
    except RasadError as exc:
        raise fail(exc) from exc
    if json_output:
        for alert in alerts:
            typer.echo(alert.model_dump_json())
        return
    table = Table("matched", "rule", "title", "ingest→match", "deliveries")
    for a in alerts:
        lag = a.latency.ingest_to_match
        table.add_row(f"{a.latency.matched:%H:%M:%S}", a.rule, (a.title or a.snippet)[:60],
                      f"{lag:.3f}s" if lag is not None else "-",
                      "\n".join(f"{d.kind} {d.status} ×{d.attempts}" + (f": {d.reason}" if d.reason else "") for d in a.deliveries))
    console.print(table)
