"""``rasad index maintain``: the store's template, migrations and retention."""

from __future__ import annotations

import typer

import wiring
from cli.app import app, console
from rasad.settings import Settings

index_app = typer.Typer(
    no_args_is_help=True,
    help="Look after the search index (template, migrations, retention).",
)
app.add_typer(index_app, name="index")


@index_app.command("maintain")
def maintain(ctx: typer.Context) -> None:
    """Put the template, migrate old mapping versions, delete months
    past RASAD_INDEX_RETENTION_MONTHS.

    The local stack's engines have no index lifecycle management (OpenSearch's ISM,
    Elasticsearch's ILM), so Rasad does this itself; run it from cron (it is idempotent). The
    indexer also runs it when it starts. On SQLite it creates or migrates the schema.
    """
    settings: Settings = ctx.obj
    store = wiring.open_store(settings, wiring.lexicon())
    try:
        done = store.maintain()
    finally:
        store.close()
    console.print(done.layout, soft_wrap=True, highlight=False)
    for name in done.migrated:
        console.print(f"migrated {name}")
    for name in done.deleted:
        console.print(f"deleted {name} (retention {settings.index_retention_months} months)")
