"""The embedded search store: SQLite with an FTS5 index over the project's normalized text.

Every query node becomes part of one FTS5 MATCH expression: words and phrases search the
``norm`` column; concepts named by a word and all ``field:value`` filters search the ``keys``
column, which holds tokens like ``country_sy`` and ``concept_q2429253``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from indexers import sqlite_aggregations
from rasad.document import (
    FACET_FIELDS,
    FACET_SIZE,
    FILTER_FIELDS,
    TERMS_FIELDS,
    document,
    keyword_fields,
)
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import And, Filter, Node, Not, Or, Phrase, Query, Term, guarded, positive_leaves
from rasad.settings import Settings
from rasad.sqlitedb import transaction
from rasad.store import (
    Aggregated,
    AggregationRequest,
    Hit,
    IndexReport,
    SearchRequest,
    SearchResult,
    Store,
)

# 2: ``docs.ingested`` (the time axis of live views); facet rows keyed by document field, for
# every field aggregations count (1 kept five facets under their facet names).
SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, date TEXT, language TEXT,
    source TEXT, story_id TEXT, article TEXT NOT NULL, ingested TEXT);
CREATE INDEX IF NOT EXISTS docs_date ON docs(date);
CREATE TABLE IF NOT EXISTS facets (doc INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facets_doc ON facets(doc);
CREATE INDEX IF NOT EXISTS facets_value_doc ON facets(facet, value, doc);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    norm, keys, tokenize = "unicode61 remove_diacritics 0 tokenchars '_-.'");
"""
# The matching documents of one search, computed once and then counted, paged, faceted and
# bucketed (the FTS5 MATCH and bm25 run once per request, not once per part of the answer).
_MATCHED = (
    "CREATE TEMP TABLE IF NOT EXISTS matched "
    "(doc INTEGER PRIMARY KEY, date TEXT, id TEXT, rank REAL, ingested TEXT)"
)


class SqliteStore(Store):
    """SQLite FTS5 store; safe to share between threads."""

    @classmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> SqliteStore:
        assert settings.store.path is not None  # a sqlite:// address always has one
        return cls(settings.store.path, stemmer)

    def __init__(self, path: Path, stemmer: Stemmer):
        self.url = f"sqlite:///{path}"
        self.stemmer = stemmer
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Searches read the same pages again and again: keep them mapped
        # and cached, temp tables in RAM.
        for pragma in ("mmap_size=268435456", "cache_size=-65536", "temp_store=MEMORY"):
            self._db.execute(f"PRAGMA {pragma}")
        self._lock = threading.RLock()
        self.setup()  # cheap and silent: readers of a new file see an empty store, not an error

    def setup(self) -> None:
        with self._lock:
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row and int(row[0]) < 2:
                self._migrate_to_2()
            self._db.execute("CREATE INDEX IF NOT EXISTS docs_ingested ON docs(ingested)")
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def _migrate_to_2(self) -> None:
        """Add ``docs.ingested`` and rebuild the facet rows from the stored articles."""
        with transaction(self._db, "SQLite migration to schema 2"):
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}
            if "ingested" not in columns:
                self._db.execute("ALTER TABLE docs ADD COLUMN ingested TEXT")
            self._db.execute("DELETE FROM facets")
            rows = self._db.execute("SELECT rowid, article FROM docs").fetchall()
            for rowid, article_json in rows:
                article = Article.model_validate_json(article_json)
                self._db.execute(
                    "UPDATE docs SET ingested = ? WHERE rowid = ?", (_ingested(article), rowid)
                )
                self._db.executemany(
                    "INSERT INTO facets VALUES (?, ?, ?)",
                    _facet_rows(rowid, keyword_fields(article)),
                )

    def index(self, articles: list[Article]) -> IndexReport:
        report = IndexReport()
        with self._lock, transaction(self._db, "SQLite index"):
            for article in articles:
                self._upsert(article)
                report.indexed.append(article.id)
        return report

    def _upsert(self, article: Article) -> None:
        doc = document(article, self.stemmer)
        row = self._db.execute("SELECT rowid FROM docs WHERE id = ?", (article.id,)).fetchone()
        if row:
            self._db.execute("DELETE FROM fts WHERE rowid = ?", row)
            self._db.execute("DELETE FROM facets WHERE doc = ?", row)
        cur = self._db.execute(
            "INSERT INTO docs (id, date, language, source, story_id, article, ingested) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET date=excluded.date, language=excluded.language, "
            "source=excluded.source, story_id=excluded.story_id, article=excluded.article, "
            "ingested=excluded.ingested RETURNING rowid",
            (
                article.id,
                doc["date"],
                doc["language"],
                article.source,
                doc["story_id"],
                article.model_dump_json(exclude={"normalized"}),
                _ingested(article),
            ),
        )
        rowid = cur.fetchone()[0]
        self._db.execute(
            "INSERT INTO fts (rowid, norm, keys) VALUES (?, ?, ?)",
            (rowid, doc["text_norm"], _keys(doc)),
        )
        self._db.executemany("INSERT INTO facets VALUES (?, ?, ?)", _facet_rows(rowid, doc))

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        with self._lock:
            total = self._match(request)
            rows = self._page(request)
            facets = self._facets(total) if request.facets else {}
            histogram = self._histogram(request.histogram) if request.histogram else []
        words = set(request.query.words)
        hits = []
        for article_json, score in rows:
            article = Article.model_validate_json(article_json)
            hits.append(
                Hit(
                    article,
                    -float(score),
                    fragments(
                        article.body,
                        words,
                        self.stemmer.stem,
                        extra=concept_spans(article, request.query.concepts),
                    ),
                )
            )
        return SearchResult(total, hits, facets, histogram, (time.perf_counter() - started) * 1000)

    def _match(self, request: SearchRequest) -> int:
        """Fill the ``matched`` temp table with the documents the request selects; their number."""
        query = request.query
        ranked = _ranked(request)
        return self._select(
            query.root, self._where(query), ranked, query.strict, ranked and _demotes(query)
        )

    def _select(
        self,
        root: Node | None,
        where: tuple[list[str], list],
        ranked: bool = False,
        strict: bool = False,
        demote: bool = False,
    ) -> int:
        """Fill ``matched`` with the documents matching ``root`` and the ``where`` clauses.

        ``strict``: see ``rasad.query.parse``; ``demote``: a match only by a literal the tagger
        rejected ranks last (bm25 is negative, lower first: such a match gets 1e9 added).
        """
        clauses, params = where
        if root is not None:
            expression = match_expression(root, strict)
            clauses, params = ["fts MATCH ?", *clauses], [expression, *params]
        rank = "bm25(fts)" if ranked else "0"
        if demote and root is not None:
            rank += (
                " + CASE WHEN fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                " THEN 0 ELSE 1e9 END"
            )
            params = [match_expression(root, strict=True), *params]
        # Without a tree, the FTS table is not needed: a date range then uses its index.
        source = "fts JOIN docs d ON d.rowid = fts.rowid" if root is not None else "docs d"
        self._db.execute(_MATCHED)
        self._db.execute("DELETE FROM matched")
        return self._db.execute(
            f"INSERT INTO matched SELECT d.rowid, d.date, d.id, {rank}, d.ingested FROM {source} "
            f"WHERE {' AND '.join(clauses) or '1'}",
            params,
        ).rowcount

    def aggregate(self, request: AggregationRequest) -> Aggregated:
        started = time.perf_counter()
        with self._lock:
            result = sqlite_aggregations.aggregate(self._db, request, self._select, self._where)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def scan(self, query: Query, batch: int = 500) -> Iterator[Article]:
        with self._lock:
            self._select(query.root, self._where(query), strict=query.strict)
            docs = [
                row[0]
                for row in self._db.execute(
                    "SELECT doc FROM matched ORDER BY date IS NULL, date DESC, id"
                )
            ]
        for first in range(0, len(docs), batch):
            chunk = docs[first : first + batch]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                found = dict(
                    self._db.execute(
                        f"SELECT rowid, article FROM docs WHERE rowid IN ({marks})", chunk
                    ).fetchall()
                )
            for doc in chunk:
                if doc in found:  # deleted meanwhile
                    yield Article.model_validate_json(found[doc])

    def _page(self, request: SearchRequest) -> list[tuple[str, float]]:
        """(article JSON, bm25) of the requested page; only these rows are read from ``docs``."""
        by_date = "date IS NULL, date DESC, id"
        order = f"rank, {by_date}" if _ranked(request) else by_date
        page = self._db.execute(
            f"SELECT doc, rank FROM matched ORDER BY {order} LIMIT ? OFFSET ?",
            [request.size, request.offset],
        ).fetchall()
        if not page:
            return []
        docs = [doc for doc, _ in page]
        marks = ",".join("?" * len(docs))
        articles = dict(
            self._db.execute(
                f"SELECT rowid, article FROM docs WHERE rowid IN ({marks})", docs
            ).fetchall()
        )
        scores = dict(page)
        if request.query.root is not None and not _ranked(request):
            # Sorted by date, bm25 was skipped for the whole match set: score just this page.
            scores = dict(
                self._db.execute(
                    f"SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
                    [match_expression(request.query.root, request.query.strict), *docs],
                ).fetchall()
            )
        return [(articles[doc], scores[doc]) for doc in docs]

    @staticmethod
    def _where(
        query: Query,
        column: str = "date",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[str], list]:
        """Clauses (on ``docs d``) for the query's date bounds and a range of a time column."""
        clauses, params = [], []
        for name, low, high in (("date", query.since, query.until), (column, since, until)):
            if low:
                clauses.append(f"d.{name} >= ?")
                params.append(low.astimezone(UTC).isoformat())
            if high:
                clauses.append(f"d.{name} <= ?")
                params.append(high.astimezone(UTC).isoformat())
        return clauses, params

    def _facet_join(self, total: int) -> str:
        """Facet rows of the matched documents, joined in the cheaper order (CROSS JOIN fixes it).

        Few matches: look up each one's facet rows. Many: scan the (facet, value, doc) index once,
        already grouped, probing ``matched`` (a sort of ~5 rows per match costs more than the scan).
        """
        largest = self._db.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0
        if total * 8 < largest:
            return "matched m CROSS JOIN facets f INDEXED BY facets_doc ON f.doc = m.doc"
        return "facets f INDEXED BY facets_value_doc CROSS JOIN matched m ON m.doc = f.doc"

    def _facets(self, total: int) -> dict[str, list[tuple[str, int]]]:
        names = {field: name for name, field in FACET_FIELDS.items()}
        marks = ",".join("?" * len(names))
        rows = self._db.execute(
            f"SELECT f.facet, f.value, count(*) AS n FROM {self._facet_join(total)} "
            f"WHERE f.facet IN ({marks}) GROUP BY f.facet, f.value ORDER BY f.facet, n DESC, "
            "f.value",
            list(names),
        ).fetchall()
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_FIELDS}
        for field, value, n in rows:
            if len(out[names[field]]) < FACET_SIZE:
                out[names[field]].append((value, n))
        return out

    def _histogram(self, interval: str) -> list[tuple[str, int]]:
        """Buckets keyed like OpenSearch's calendar intervals: a week is its Monday (UTC)."""
        days = self._db.execute(
            "SELECT substr(date, 1, 10) AS day, count(*) FROM matched "
            "WHERE date IS NOT NULL GROUP BY day"
        ).fetchall()
        buckets: Counter[str] = Counter()
        for day, n in days:
            buckets[_bucket(day, interval)] += n
        return sorted(buckets.items())

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute(
                "SELECT article FROM docs WHERE id = ?", (article_id,)
            ).fetchone()
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


def _ranked(request: SearchRequest) -> bool:
    """Whether hits are ordered by bm25 (a relevance sort of a query with words or filters)."""
    return request.sort != "date" and request.query.root is not None


def _bucket(day: str, interval: str) -> str:
    """The histogram key of a UTC ``YYYY-MM-DD`` day (dates are stored in UTC, ISO 8601)."""
    if interval == "day":
        return day
    if interval == "month":
        return day[:7]
    monday = date.fromisoformat(day)
    return (monday - timedelta(days=monday.weekday())).isoformat()


def _ingested(article: Article) -> str | None:
    return article.ingested_at.astimezone(UTC).isoformat() if article.ingested_at else None


def _facet_rows(rowid: int, doc: dict) -> list[tuple[int, str, str]]:
    """One (doc, field, value) row per value of every countable keyword field."""
    return [(rowid, field, value) for field in TERMS_FIELDS for value in _values(doc[field])]


def _values(value) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _keys(doc: dict) -> str:
    """The ``keys`` column: one token per filterable value, plus ``all`` for pure negations."""
    tokens = ["all"]
    for name, field in FILTER_FIELDS.items():
        tokens += [f"{name}_{v}".lower() for v in _values(doc[field])]
    tokens += [f"rejected_{v}".lower() for v in doc.get("rejected") or ()]
    return " ".join(tokens)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(node: Node, strict: bool = False) -> str:
    """The FTS5 MATCH expression for a query tree (``strict``: see ``rasad.query.parse``)."""
    if isinstance(node, (Term, Phrase)):
        literal = f"norm : {_quote(' '.join(node.terms))}"
        rejected = guarded(node) if strict else ()
        if rejected:
            marks = " OR ".join(f"keys : {_quote(('rejected_' + c).lower())}" for c in rejected)
            literal = f"({literal} NOT ({marks}))"
        parts = [literal] + [f"keys : {_quote(('concept_' + c).lower())}" for c in node.concepts]
        return "(" + " OR ".join(parts) + ")"
    if isinstance(node, Filter):
        return f"keys : {_quote((node.field + '_' + node.value).lower())}"
    if isinstance(node, Not):
        return f'(keys : "all" NOT {match_expression(node.part, strict)})'
    if isinstance(node, Or):
        return "(" + " OR ".join(match_expression(p, strict) for p in node.parts) + ")"
    if isinstance(node, And):
        positive = [match_expression(p, strict) for p in node.parts if not isinstance(p, Not)]
        negative = [match_expression(p.part, strict) for p in node.parts if isinstance(p, Not)]
        expr = "(" + " AND ".join(positive or ['keys : "all"']) + ")"
        for neg in negative:
            expr = f"({expr} NOT {neg})"
        return expr
    raise TypeError(f"unknown query node {node!r}")


def _demotes(query: Query) -> bool:
    """Whether some literal match of the query may rank below the concept matches."""
    return not query.strict and any(guarded(leaf) for leaf in positive_leaves(query.root))
