"""The embedded search store: SQLite with an FTS5 index over the project's normalized text.

Every query node becomes part of one FTS5 MATCH expression: words and phrases search the
``norm`` column; concepts named by a word and all ``field:value`` filters search the ``keys``
column, which holds tokens like ``country_sy`` and ``concept_q2429253``.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import timezone
from pathlib import Path

from rasad.document import FACET_FIELDS, FACET_SIZE, FILTER_FIELDS, document
from rasad.errors import StoreError
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.query import And, Filter, Node, Not, Or, Phrase, Term
from rasad.store import Hit, IndexReport, SearchRequest, SearchResult, Store

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, date TEXT, language TEXT,
    source TEXT, story_id TEXT, article TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_date ON docs(date);
CREATE TABLE IF NOT EXISTS facets (doc INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facets_doc ON facets(doc);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    norm, keys, tokenize = "unicode61 remove_diacritics 0 tokenchars '_-.'");
"""
# Buckets keyed like OpenSearch's calendar intervals: a week is its Monday (UTC).
_BUCKET = {"day": "strftime('%Y-%m-%d', d.date)", "week": "date(d.date, 'weekday 0', '-6 days')",
           "month": "strftime('%Y-%m', d.date)"}


class SqliteStore(Store):
    """SQLite FTS5 store; safe to share between threads."""

    def __init__(self, path: Path):
        self.url = f"sqlite:///{path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()

    def setup(self) -> None:
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def index(self, articles: list[Article]) -> IndexReport:
        report = IndexReport()
        with self._lock:
            try:
                self._db.execute("BEGIN")
                for article in articles:
                    self._upsert(article)
                    report.indexed.append(article.id)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise StoreError(f"SQLite index failed: {exc}") from exc
        return report

    def _upsert(self, article: Article) -> None:
        doc = document(article)
        row = self._db.execute("SELECT rowid FROM docs WHERE id = ?", (article.id,)).fetchone()
        if row:
            self._db.execute("DELETE FROM fts WHERE rowid = ?", row)
            self._db.execute("DELETE FROM facets WHERE doc = ?", row)
        cur = self._db.execute(
            "INSERT INTO docs (id, date, language, source, story_id, article) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET date=excluded.date, language=excluded.language, "
            "source=excluded.source, story_id=excluded.story_id, article=excluded.article RETURNING rowid",
            (article.id, doc["date"], doc["language"], article.source, doc["story_id"], article.model_dump_json()),
        )
        rowid = cur.fetchone()[0]
        self._db.execute("INSERT INTO fts (rowid, norm, keys) VALUES (?, ?, ?)", (rowid, doc["text_norm"], _keys(doc)))
        facet_rows = [(rowid, facet, value) for facet, name in FACET_FIELDS.items()
                      for value in _values(doc[name])]
        self._db.executemany("INSERT INTO facets VALUES (?, ?, ?)", facet_rows)

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        where, params = self._where(request)
        by_date = "d.date IS NULL, d.date DESC, d.id"
        order = by_date if request.sort == "date" or request.query.root is None else f"rank, {by_date}"
        rank = "bm25(fts)" if request.query.root is not None else "0"
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM docs d JOIN fts ON fts.rowid = d.rowid WHERE {where}", params).fetchone()[0]
            rows = self._db.execute(
                f"SELECT d.article, {rank} AS rank FROM docs d JOIN fts ON fts.rowid = d.rowid "
                f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?", params + [request.size, request.offset],
            ).fetchall()
            facets = self._facets(where, params) if request.facets else {}
            histogram = self._histogram(where, params, request.histogram) if request.histogram else []
        words = set(request.query.words)
        hits = []
        for article_json, score in rows:
            article = Article.model_validate_json(article_json)
            hits.append(Hit(article, -float(score), fragments(article.body, words, extra=concept_spans(article, request.query.concepts))))
        return SearchResult(total, hits, facets, histogram, (time.perf_counter() - started) * 1000)

    def _where(self, request: SearchRequest) -> tuple[str, list]:
        clauses, params = [], []
        query = request.query
        if query.root is not None:
            clauses.append("fts MATCH ?")
            params.append(match_expression(query.root))
        if query.since:
            clauses.append("d.date >= ?")
            params.append(query.since.astimezone(timezone.utc).isoformat())
        if query.until:
            clauses.append("d.date <= ?")
            params.append(query.until.astimezone(timezone.utc).isoformat())
        return (" AND ".join(clauses) or "1"), params

    def _facets(self, where: str, params: list) -> dict[str, list[tuple[str, int]]]:
        rows = self._db.execute(
            f"SELECT facet, value, count(*) AS n FROM facets WHERE doc IN "
            f"(SELECT d.rowid FROM docs d JOIN fts ON fts.rowid = d.rowid WHERE {where}) "
            "GROUP BY facet, value ORDER BY facet, n DESC, value", params,
        ).fetchall()
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_FIELDS}
        for facet, value, n in rows:
            if len(out[facet]) < FACET_SIZE:
                out[facet].append((value, n))
        return out

    def _histogram(self, where: str, params: list, interval: str) -> list[tuple[str, int]]:
        rows = self._db.execute(
            f"SELECT {_BUCKET[interval]} AS bucket, count(*) FROM docs d JOIN fts ON fts.rowid = d.rowid "
            f"WHERE {where} AND d.date IS NOT NULL GROUP BY bucket ORDER BY bucket", params,
        ).fetchall()
        return [(bucket, n) for bucket, n in rows]

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute("SELECT article FROM docs WHERE id = ?", (article_id,)).fetchone()
        return Article.model_validate_json(row[0]) if row else None

    def ids(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM docs")]

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _values(value) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _keys(doc: dict) -> str:
    """The ``keys`` column: one token per filterable value, plus ``all`` for pure negations."""
    tokens = ["all"]
    for name, field in FILTER_FIELDS.items():
        tokens += [f"{name}_{v}".lower() for v in _values(doc[field])]
    return " ".join(tokens)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(node: Node) -> str:
    """The FTS5 MATCH expression for a query tree."""
    if isinstance(node, (Term, Phrase)):
        parts = [f"norm : {_quote(' '.join(node.terms))}"]
        parts += [f"keys : {_quote(('concept_' + c).lower())}" for c in node.concepts]
        return "(" + " OR ".join(parts) + ")"
    if isinstance(node, Filter):
        return f"keys : {_quote((node.field + '_' + node.value).lower())}"
    if isinstance(node, Not):
        return f'(keys : "all" NOT {match_expression(node.part)})'
    if isinstance(node, Or):
        return "(" + " OR ".join(match_expression(p) for p in node.parts) + ")"
    if isinstance(node, And):
        positive = [match_expression(p) for p in node.parts if not isinstance(p, Not)]
        negative = [match_expression(p.part) for p in node.parts if isinstance(p, Not)]
        expr = "(" + " AND ".join(positive or ['keys : "all"']) + ")"
        for neg in negative:
            expr = f"({expr} NOT {neg})"
        return expr
    raise TypeError(f"unknown query node {node!r}")
