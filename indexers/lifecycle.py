"""Keeping the ``articles`` alias in shape: template, versioned migrations and retention.

Neither engine of the local stack has index lifecycle management (OpenSearch's ISM plugin and
Elasticsearch's ILM are not part of it), so rollover and retention are Rasad's job: backing
indices roll over by month (see ``indexers.mapping``) and ``apply_retention`` deletes whole
months older than the retention setting. ``rasad index maintain`` runs both; the indexer runs
them at start. Everything here goes through ``rasad.engines.SearchEngine``, so it is the same
on OpenSearch and Elasticsearch.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from indexers.mapping import (
    MAPPING_VERSION,
    UNDATED,
    backing_index,
    index_prefix,
    template_name,
)
from rasad.engines import SearchEngine
from rasad.errors import StoreError

log = logging.getLogger(__name__)
_MONTH_RE = re.compile(r"-v(\d+)-(\d{4})\.(\d{2})$")


def index_body(alias: str) -> dict:
    """The body that creates a backing index already inside the alias."""
    return {"aliases": {alias: {}}}


def ensure_index(engine: SearchEngine, alias: str, name: str) -> None:
    """Create backing index ``name`` in the alias unless it exists (safe to race)."""
    engine.create_index(name, index_body(alias))


def setup(engine: SearchEngine, alias: str, template: dict) -> list[str]:
    """Put the template, migrate older backing indices, make sure the alias exists. Idempotent.

    Returns the old indices migrated (empty when the mapping version did not change).
    """
    engine.put_index_template(template_name(alias), template)
    migrated = migrate(engine, alias)
    ensure_index(engine, alias, backing_index(alias, None))
    return migrated


def backing_indices(engine: SearchEngine, alias: str) -> list[str]:
    """The indices behind the alias (empty if it does not exist yet)."""
    return engine.aliased(alias)


def migrate(engine: SearchEngine, alias: str) -> list[str]:
    """Copy backing indices of older mapping versions into current ones, then swap atomically.

    Until the swap the alias still shows only the old indices, so search never sees a
    document twice; the old indices are deleted after the swap.
    """
    current = index_prefix(alias)
    old = [name for name in engine.aliased(alias) if not name.startswith(current)]
    if not old:
        return []
    for name in old:
        log.info("migrating %s to mapping version %d", name, MAPPING_VERSION)
        _copy(engine, alias, name)
    ensure_index(engine, alias, current + UNDATED)
    actions: list[dict[str, Any]] = [
        {"add": {"index": name, "alias": alias}} for name in engine.indices(current + "*")
    ]
    actions += [{"remove_index": {"index": name}} for name in old]
    engine.update_aliases(actions)
    return old


def _copy(engine: SearchEngine, alias: str, name: str) -> None:
    """Every document of index ``name`` into the current version's index of its month.

    Scan and bulk, not the engines' ``_reindex``: the bare Elasticsearch node has neither the
    reindex module nor painless. The new indices stay outside the alias until the swap.
    """
    created: set[str] = set()

    def moved() -> Iterator[dict[str, Any]]:
        for hit in engine.scan(name, {"query": {"match_all": {}}}):
            target = backing_index(alias, hit["_source"].get("date"))
            if target not in created:
                engine.create_index(target, {})  # from the template; joins the alias at the swap
                created.add(target)
            yield {
                "_op_type": "index",
                "_index": target,
                "_id": hit["_id"],
                "_source": hit["_source"],
            }

    failed = [item for ok, item in engine.streaming_bulk(moved()) if not ok]
    if failed:
        raise StoreError(f"migrating {name}: {len(failed)} document(s) not copied: {failed[0]}")
    engine.refresh(index_prefix(alias) + "*")


def index_month(name: str) -> tuple[int, int] | None:
    """(year, month) of a monthly backing index name, None for others."""
    m = _MONTH_RE.search(name)
    return (int(m.group(2)), int(m.group(3))) if m else None


def expired(names: list[str], retention_months: int, now: datetime | None = None) -> list[str]:
    """Monthly indices wholly older than ``retention_months`` months before ``now`` (0: none)."""
    if retention_months <= 0:
        return []
    now = now or datetime.now(UTC)
    cutoff = (
        now.year * 12 + now.month - 1 - retention_months
    )  # months since year 0, the oldest kept
    return [n for n in names if (ym := index_month(n)) and ym[0] * 12 + ym[1] - 1 < cutoff]


def apply_retention(
    engine: SearchEngine, alias: str, retention_months: int, now: datetime | None = None
) -> list[str]:
    """Delete expired monthly backing indices of the alias; returns their names."""
    doomed = expired(engine.aliased(alias), retention_months, now)
    for name in doomed:
        log.info("retention: deleting %s (older than %d months)", name, retention_months)
    engine.delete_indices(doomed)
    return doomed
