"""``rasad index maintain``: the OpenSearch alias's template, migrations and retention."""

from __future__ import annotations

import typer

from cli.app import app, console
from rasad.errors import ConfigError, StoreError
from rasad.settings import Settings

index_app = typer.Typer(
    no_args_is_help=True, help="Look after the OpenSearch index (template, migrations, retention)."
)
app.add_typer(index_app, name="index")


@index_app.command("maintain")
def maintain(ctx: typer.Context) -> None:
    """Put the template, migrate old mapping versions, delete months past RASAD_INDEX_RETENTION_MONTHS.

    OpenSearch's ISM plugin is not part of the local stack, so Rasad does this itself; run it
    from cron (it is idempotent). The indexer also runs it when it starts.
    """
    # Imported here: opensearch-py is only needed by this command.
    from opensearchpy.exceptions import OpenSearchException

    from indexers import lifecycle
    from indexers.mapping import MAPPING_VERSION
    from indexers.opensearch import client_for

    settings: Settings = ctx.obj
    if settings.store.scheme != "opensearch":
        raise ConfigError(f"index maintenance is for OpenSearch stores, not {settings.store}")
    client = client_for(settings.store)
    alias = settings.index_alias
    try:
        migrated = lifecycle.setup(client, alias)
        deleted = lifecycle.apply_retention(client, alias, settings.index_retention_months)
        indices = lifecycle.backing_indices(client, alias)
    except OpenSearchException as exc:
        raise StoreError(f"index maintenance failed: {exc}") from exc
    finally:
        client.close()
    console.print(f"alias {alias}: mapping v{MAPPING_VERSION}, {len(indices)} backing index(es)")
    for name in migrated:
        console.print(f"migrated {name}")
    for name in deleted:
        console.print(f"deleted {name} (retention {settings.index_retention_months} months)")
