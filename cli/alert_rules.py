"""``rasad alerts enable|disable|snooze|unsnooze|export|import``: state, and rules as files."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer

import wiring
from alerts import rulefiles
from alerts.rules import AlertRule
from alerts.rulestores import RuleStore
from cli.alerts import alerts_app, moment, seconds
from cli.app import console
from rasad.errors import BadInput
from rasad.model import utcnow

Format = Literal["yaml", "json"]


def _rule(store: RuleStore, name: str) -> AlertRule:
    rule = store.get(name)
    if rule is None:
        raise BadInput(f"no rule named {name!r}", reason="bad_rule")
    return rule


def _change(ctx: typer.Context, name: str, **changes: object) -> AlertRule:
    store = wiring.open_rules(ctx.obj)
    changed = _rule(store, name).model_copy(update=changes)
    store.add(changed, replace=True)
    return changed


@alerts_app.command("enable")
def enable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Enable a rule (workers pick it up within RASAD_ALERTS_RELOAD_INTERVAL)."""
    _change(ctx, name, enabled=True)
    console.print(f"enabled rule {name}", markup=False)


@alerts_app.command("disable")
def disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Disable a rule: it is kept, and evaluates nothing until enabled."""
    _change(ctx, name, enabled=False)
    console.print(f"disabled rule {name}", markup=False)


@alerts_app.command("snooze")
def snooze(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name.")],
    for_: Annotated[
        str | None, typer.Option("--for", help="How long: 30m, 2h, 7d (default 1h).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Until this time (ISO 8601 with a zone).")
    ] = None,
) -> None:
    """Snooze a rule: it fires nothing until then (its spike counts and silences go on)."""
    if for_ and until:
        raise BadInput("give --for or --until, not both")
    end = moment(until) if until else utcnow() + timedelta(seconds=seconds(for_ or "1h"))
    if end <= utcnow():
        raise BadInput("a snooze ends in the future")
    _change(ctx, name, snoozed_until=end)
    console.print(f"snoozed rule {name} until {end:%Y-%m-%d %H:%M %Z}", markup=False)


@alerts_app.command("unsnooze")
def unsnooze(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """End a rule's snooze now."""
    _change(ctx, name, snoozed_until=None)
    console.print(f"rule {name} is no longer snoozed", markup=False)


@alerts_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Write here (.yaml/.yml or .json); default: stdout.")
    ] = None,
    format_: Annotated[
        Format | None,
        typer.Option("--format", help="yaml or json (default: from FILE's suffix, else yaml)."),
    ] = None,
    with_secrets: Annotated[
        bool, typer.Option(help="Include each rule's webhook signing secret.")
    ] = False,
) -> None:
    """Every rule as one YAML or JSON file (to keep in git, or to import elsewhere)."""
    fmt = format_ or ("json" if file is not None and file.suffix.lower() == ".json" else "yaml")
    rules = wiring.open_rules(ctx.obj).rules()
    text = rulefiles.export_rules(rules, fmt, with_secrets)
    if file is None:
        sys.stdout.write(text)
        return
    file.write_text(text, encoding="utf-8")
    console.print(f"exported {len(rules)} rule(s) to {file}", markup=False)


@alerts_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A YAML or JSON file of rules ('-': stdin).")],
    replace: Annotated[
        bool, typer.Option(help="Replace rules of the same name (else: refused, nothing saved).")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Only validate the file.")] = False,
) -> None:
    """Import rules: all are validated first, and none is saved unless every one is good."""
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {file}: {exc}", reason="bad_rule") from exc
    rules, with_secret = rulefiles.read_rules(text, wiring.lexicon())
    if dry_run:
        console.print(f"{len(rules)} valid rule(s); nothing saved (--dry-run)", markup=False)
        return
    done = rulefiles.import_rules(wiring.open_rules(ctx.obj), rules, with_secret, replace)
    console.print(
        f"imported {len(rules)} rule(s): {len(done.added)} new, {len(done.replaced)} replaced",
        markup=False,
    )
