"""Dashboards' aggregations on the SQLite store: one match per distinct filter, then SQL over it.

The store fills its ``matched`` temp table (the documents a query and a time range select);
each aggregation is then one small query over that table: ``count(*)``, a ``GROUP BY`` of epoch
buckets, or the newest rows; every terms aggregation of a selection shares one ``GROUP BY`` of
the facet rows. Aggregations with the same filter share one match.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from rasad.model import Article
from rasad.query import And, Node, Query
from rasad.store import (
    Aggregated,
    Aggregation,
    AggregationRequest,
    Count,
    DateHistogram,
    Latest,
    Terms,
    bucket_key,
    bucket_starts,
)

Select = Callable[[Node | None, tuple[list[str], list]], int]
Where = Callable[[Query, str, datetime | None, datetime | None], tuple[list[str], list]]
_COLUMNS = {"date": "date", "ingested_at": "ingested"}


def aggregate(
    db: sqlite3.Connection, request: AggregationRequest, select: Select, where: Where
) -> Aggregated:
    """Every aggregation of ``request``; ``select`` fills ``matched``, ``where`` gives clauses."""
    column = _COLUMNS[request.time_field]
    out = Aggregated()
    by_filter: dict[Node | None, list[tuple[str, Aggregation]]] = {}
    for name, agg in request.aggregations.items():
        by_filter.setdefault(agg.filter, []).append((name, agg))
    for narrowing, group in by_filter.items():
        clauses, params = where(request.query, column, request.since, request.until)
        if request.exclude:
            clauses.append(f"d.id NOT IN ({','.join('?' * len(request.exclude))})")
            params.extend(sorted(request.exclude))
        total = select(_both(request.query.root, narrowing), (clauses, params))
        terms = {name: agg for name, agg in group if isinstance(agg, Terms)}
        if terms:
            out.buckets.update(_terms(db, terms, total))
        for name, agg in group:
            if not isinstance(agg, Terms):
                _one(db, name, agg, request, column, out)
    return out


def _terms(
    db: sqlite3.Connection, terms: dict[str, Terms], total: int
) -> dict[str, list[tuple[str, int]]]:
    """Every terms aggregation of one selection in one pass over the facet rows.

    Few matches: look up each one's facet rows; many: scan the (facet, value, doc) index of the
    wanted fields, probing ``matched`` (cheaper than sorting ~5 rows per match).
    """
    fields = sorted({t.field for t in terms.values()})
    largest = db.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0
    if total * 8 < largest:
        join = "matched m CROSS JOIN facets f INDEXED BY facets_doc ON f.doc = m.doc"
    else:
        join = "facets f INDEXED BY facets_value_doc CROSS JOIN matched m ON m.doc = f.doc"
    counts: dict[str, list[tuple[str, int]]] = {field: [] for field in fields}
    rows = db.execute(
        f"SELECT f.facet, f.value, count(*) FROM {join} "
        f"WHERE f.facet IN ({','.join('?' * len(fields))}) GROUP BY f.facet, f.value",
        fields,
    ).fetchall()
    for field, value, n in rows:
        counts[field].append((value, n))
    for ranked in counts.values():
        ranked.sort(key=lambda kv: (-kv[1], kv[0]))
    return {name: counts[t.field][: t.size] for name, t in terms.items()}


def _both(root: Node | None, narrowing: Node | None) -> Node | None:
    if root is None or narrowing is None:
        return root or narrowing
    return And((root, narrowing))


def _one(
    db: sqlite3.Connection,
    name: str,
    agg: Aggregation,
    request: AggregationRequest,
    column: str,
    out: Aggregated,
) -> None:
    if isinstance(agg, Count):
        out.buckets[name] = [("count", db.execute("SELECT count(*) FROM matched").fetchone()[0])]
    elif isinstance(agg, DateHistogram):
        out.buckets[name] = _histogram(db, agg.seconds, column, request)
    else:
        assert isinstance(agg, Latest)
        rows = db.execute(
            f"SELECT d.article FROM matched m JOIN docs d ON d.rowid = m.doc "
            f"ORDER BY m.{column} IS NULL, m.{column} DESC, m.id LIMIT ?",
            (agg.size,),
        ).fetchall()
        out.articles[name] = [Article.model_validate_json(row[0]) for row in rows]


def _histogram(
    db: sqlite3.Connection, seconds: int, column: str, request: AggregationRequest
) -> list[tuple[str, int]]:
    counts = dict(
        db.execute(
            f"SELECT unixepoch({column}) / ? * ? AS start, count(*) FROM matched "
            f"WHERE {column} IS NOT NULL GROUP BY start",
            (seconds, seconds),
        ).fetchall()
    )
    if request.since and request.until:
        starts = bucket_starts(request.since, request.until, seconds)
    else:
        starts = sorted(counts)
    return [(bucket_key(start), counts.get(start, 0)) for start in starts]
