"""``rasad alerts add|list|rm|test|fired``: keyword, spike and silence alert rules and what fired.

The rules' state (enable, disable, snooze) and rules as files (export, import) are in
``cli/alert_rules.py``; both register on the same ``rasad alerts`` group.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

import wiring
from alerts.alert import Alert
from alerts.backtest import backtest
from alerts.rules import AlertRule, new_rule
from cli.app import app, console
from rasad.errors import BadInput
from rasad.model import utcnow
from rasad.settings import Settings

alerts_app = typer.Typer(
    no_args_is_help=True,
    help="Keyword, spike and silence alerts: saved searches evaluated on the stream.",
)
app.add_typer(alerts_app, name="alerts")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    """A duration: ``90``/``90s``, ``30m``, ``2h``, ``7d``; ``BadInput`` otherwise."""
    found = _DURATION.match(text)
    if not found:
        raise BadInput(f"bad duration {text!r}: use 90s, 30m, 2h or 7d")
    return float(found.group(1)) * _UNITS[found.group(2)]


def moment(text: str) -> datetime:
    """A time: ISO 8601 with a zone (``2025-01-31T18:00Z``), or a duration ago (``24h``)."""
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return utcnow() - timedelta(seconds=seconds(text))
    if found.tzinfo is None:
        raise BadInput(f"the time {text!r} needs a time zone (add Z or +00:00)")
    return found


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
            help="Spike: fire at K × the trailing baseline (at least K: a quiet history counts "
            "as 1 per window)."
        ),
    ] = 0.0,
    baseline: Annotated[int, typer.Option(help="Spike: windows the baseline averages.")] = 6,
    silence_by: Annotated[
        str | None,
        typer.Option(help="Make it a silence rule: fire when a source or concept goes quiet."),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(help="Silence: a source (or concept id) watched from the start (repeatable)."),
    ] = None,
    quiet_for: Annotated[
        str | None, typer.Option(help="Silence: fire after this long without an article (2h).")
    ] = None,
    quiet_factor: Annotated[
        float, typer.Option(help="Silence: fire after K × the key's usual gap between articles.")
    ] = 0.0,
    digest: Annotated[
        float | None,
        typer.Option(help="Deliver a digest every N minutes instead of each alert at once."),
    ] = None,
    subject: Annotated[
        str, typer.Option(help="Email subject template ($rule, $title, … see docs/alerts.md).")
    ] = "",
    template: Annotated[
        str, typer.Option(help="Message template of emails, Slack and webhooks ($title, $url …).")
    ] = "",
    max_per_minute: Annotated[
        int, typer.Option(help="Throttle: alerts per minute beyond which they are only recorded.")
    ] = 60,
    disabled: Annotated[bool, typer.Option(help="Save the rule disabled.")] = False,
    replace: Annotated[bool, typer.Option(help="Replace a rule of the same name.")] = False,
) -> None:
    """Save a rule; a bad query, filter, template or destination is refused with the reason."""
    filters = {
        k: v
        for k, v in {"lang": lang, "country": country, "source": source, "type": type_}.items()
        if v
    }
    data: dict[str, Any] = {
        "name": name,
        "query": query,
        "filters": filters,
        "webhooks": webhook or [],
        "emails": email or [],
        "slack": slack or [],
        "max_per_minute": max_per_minute,
        "enabled": not disabled,
        "message": {"subject": subject, "text": template},
    }
    if spike_by:
        data["spike"] = {
            "by": spike_by,
            "window": window,
            "threshold": threshold,
            "factor": factor,
            "baseline": baseline,
        }
    if silence_by:
        data["silence"] = {
            "by": silence_by,
            "keys": key or [],
            "after": seconds(quiet_for) if quiet_for else 0.0,
            "factor": quiet_factor,
        }
    if digest is not None:
        data.update(delivery="digest", digest_minutes=digest)
    rule = new_rule(data, wiring.lexicon())
    wiring.open_rules(ctx.obj).add(rule, replace=replace)
    console.print(
        f"saved rule {rule.name}"
        + (f"  (webhook signing secret: {rule.secret})" if rule.webhooks else ""),
        markup=False,
    )


def describe(rule: AlertRule) -> str:
    """What a rule counts: its spike or silence condition."""
    if rule.spike:
        s = rule.spike
        factor = f" ×{s.factor:g}" if s.factor else ""
        return f"spike by {s.by}, {s.window:g}s, ≥{s.threshold or ''}{factor}"
    if rule.silence:
        q = rule.silence
        levels = ([f"{q.after:g}s"] if q.after else []) + (
            [f"×{q.factor:g} gap"] if q.factor else []
        )
        keys = f" ({', '.join(q.keys)})" if q.keys else ""
        return f"silence of a {q.by}{keys} for {' or '.join(levels)}"
    return ""


def state(rule: AlertRule) -> str:
    if not rule.enabled:
        return "disabled"
    if rule.snoozed():
        assert rule.snoozed_until is not None
        return f"snoozed until {rule.snoozed_until:%Y-%m-%d %H:%M %Z}"
    return "enabled"


@alerts_app.command("list")
def list_rules(ctx: typer.Context) -> None:
    """Show every rule: query, filters, condition, state, delivery and destinations."""
    rules = wiring.open_rules(ctx.obj).rules()
    table = Table("query", "filters", "condition", "state", "delivery", "destinations")
    table.columns.insert(0, Column("name", no_wrap=True))  # names are what people type back
    for r in rules:
        cells = [
            r.name,
            r.query,
            " ".join(f"{k}:{','.join(v)}" for k, v in r.filters.items()),
            describe(r),
            state(r),
            f"digest every {r.digest_minutes:g} min" if r.delivery == "digest" else "each",
            "\n".join(f"{k} {t}" for k, t in r.destinations),
        ]
        table.add_row(*map(escape, cells))  # user text: shown, never read as markup
    console.print(table)
    console.print(f"{len(rules)} rule(s)")


@alerts_app.command("rm")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Delete a rule."""
    if not wiring.open_rules(ctx.obj).remove(name):
        raise BadInput(f"no rule named {name!r}", reason="bad_rule")
    console.print(f"removed rule {name}", markup=False)


@alerts_app.command("test")
def backtest_rule(
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
    result = backtest(rule, words, wiring.open_store(settings, words), days, size)
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
    limit: Annotated[int, typer.Option(min=1, max=500, help="Alerts per page.")] = 20,
    since: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601) or this long ago (24h, 7d).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Until this time (ISO 8601) or this long ago.")
    ] = None,
    page: Annotated[int, typer.Option(min=1, help="Page of the range (newest first).")] = 1,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the alert records as JSON lines.")
    ] = False,
) -> None:
    """The alert history, newest first: latency record and what each destination did."""
    store = wiring.open_rules(ctx.obj)
    if page * limit > 10_000:
        raise BadInput("pages reach at most 10,000 alerts deep: narrow the time range")
    found = store.history(
        name,
        moment(since) if since else None,
        moment(until) if until else None,
        (page - 1) * limit,
        limit,
    )
    if json_output:
        for alert in found.alerts:
            typer.echo(alert.model_dump_json())
        return
    console.print(_history_table(found.alerts))
    console.print(f"page {page}: {len(found.alerts)} of {found.total} alert(s)", markup=False)


def _history_table(alerts: list[Alert]) -> Table:
    table = Table("matched", "rule", "kind", "title", "ingest→match", "deliveries")
    for a in alerts:
        lag = a.latency.ingest_to_match
        cells = [
            f"{a.latency.matched:%Y-%m-%d %H:%M:%S}",
            a.rule,
            a.kind,
            (a.title or a.snippet)[:60],
            f"{lag:.3f}s" if lag is not None else "-",
            "\n".join(
                f"{d.kind} {d.status} ×{d.attempts}" + (f": {d.reason}" if d.reason else "")
                for d in a.deliveries
            ),
        ]
        table.add_row(*map(escape, cells))
    return table
