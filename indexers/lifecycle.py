"""Keeping the ``articles`` alias in shape: template, versioned migrations and retention.

The embedded OpenSearch node has no Index State Management plugin (``GET _plugins/_ism``
answers "no handler"), so rollover and retention are Rasad's job: backing indices roll over
by month (see ``indexers.mapping``) and ``apply_retention`` deletes whole months older than
the retention setting. ``rasad index maintain`` runs both; the indexer runs them at start.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError

from indexers.mapping import (
    MAPPING_VERSION,
    UNDATED,
    backing_index,
    index_prefix,
    index_template,
    template_name,
)

log = logging.getLogger(__name__)
_MONTH_RE = re.compile(r"-v(\d+)-(\d{4})\.(\d{2})$")
# Moves a document of an old backing index to the new version's index of its month.
_REINDEX_SCRIPT = (
    "String d = ctx._source.date; ctx._index = params.prefix + "
    "(d == null ? params.undated : d.substring(0, 4) + '.' + d.substring(5, 7));"
)


def index_body(alias: str) -> dict:
    """The body that creates a backing index already inside the alias."""
    return {"aliases": {alias: {}}}


def ensure_index(client: OpenSearch, alias: str, name: str) -> None:
    """Create backing index ``name`` in the alias unless it exists (safe to race)."""
    try:
        client.indices.create(index=name, body=index_body(alias))
    except RequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise


def setup(client: OpenSearch, alias: str) -> list[str]:
    """Put the template, migrate older backing indices, make sure the alias exists. Idempotent.

    Returns the old indices migrated (empty when the mapping version did not change).
    """
    client.indices.put_index_template(name=template_name(alias), body=index_template(alias))
    migrated = migrate(client, alias)
    ensure_index(client, alias, backing_index(alias, None))
    return migrated


def backing_indices(client: OpenSearch, alias: str) -> list[str]:
    """The indices behind the alias (empty if it does not exist yet)."""
    try:
        found = client.indices.get_alias(
            name=alias, ignore=[404]
        )  # a missing alias is an answer, not an error
    except NotFoundError:
        return []
    return sorted(
        name for name, body in found.items() if isinstance(body, dict) and "aliases" in body
    )


def migrate(client: OpenSearch, alias: str) -> list[str]:
    """Reindex backing indices of older mapping versions into current ones, then swap atomically.

    Until the swap the alias still shows only the old indices, so search never sees a
    document twice; the old indices are deleted after the swap.
    """
    current = index_prefix(alias)
    old = [name for name in backing_indices(client, alias) if not name.startswith(current)]
    if not old:
        return []
    for name in old:
        log.info("migrating %s to mapping version %d", name, MAPPING_VERSION)
        client.reindex(
            body={
                "source": {"index": name},
                "dest": {"index": current + UNDATED, "op_type": "index"},
                "script": {
                    "lang": "painless",
                    "source": _REINDEX_SCRIPT,
                    "params": {"prefix": current, "undated": UNDATED},
                },
            },
            refresh=True,
            wait_for_completion=True,
            request_timeout=3600,
        )
    ensure_index(client, alias, current + UNDATED)
    new = sorted(client.indices.get(index=current + "*"))
    actions = [{"add": {"index": name, "alias": alias}} for name in new]
    actions += [{"remove_index": {"index": name}} for name in old]
    client.indices.update_aliases(body={"actions": actions})
    return old


def index_month(name: str) -> tuple[int, int] | None:
    """(year, month) of a monthly backing index name, None for others."""
    m = _MONTH_RE.search(name)
    return (int(m.group(2)), int(m.group(3))) if m else None


def expired(names: list[str], retention_months: int, now: datetime | None = None) -> list[str]:
    """The monthly indices wholly older than ``retention_months`` months before ``now`` (0 keeps all)."""
    if retention_months <= 0:
        return []
    now = now or datetime.now(UTC)
    cutoff = (
        now.year * 12 + now.month - 1 - retention_months
    )  # months since year 0, the oldest kept
    return [n for n in names if (ym := index_month(n)) and ym[0] * 12 + ym[1] - 1 < cutoff]


def apply_retention(
    client: OpenSearch, alias: str, retention_months: int, now: datetime | None = None
) -> list[str]:
    """Delete expired monthly backing indices of the alias; returns their names."""
    doomed = expired(backing_indices(client, alias), retention_months, now)
    for name in doomed:
        log.info("retention: deleting %s (older than %d months)", name, retention_months)
        client.indices.delete(index=name)
    return doomed
