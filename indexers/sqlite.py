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
from datetime import UTC, date, timedelta
from pathlib import Path

from rasad.document import FACET_FIELDS, FACET_SIZE, FILTER_FIELDS, document
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import And, Filter, Node, Not, Or, Phrase, Query, Term, guarded, positive_leaves
from rasad.settings import Settings
from rasad.sqlitedb import transaction
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
CREATE INDEX IF NOT EXISTS facets_value_doc ON facets(facet, value, doc);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    norm, keys, tokenize = "unicode61 remove_diacritics 0 tokenchars '_-.'");
"""
# The matching documents of one search, computed once and then counted, paged, faceted and
# bucketed (the FTS5 MATCH and bm25 run once per request, not once per part of the answer).
_MATCHED = "CREATE TEMP TABLE IF NOT EXISTS matched (doc INTEGER PRIMARY KEY, date TEXT, id TEXT, rank REAL)"


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
        # Searches read the same pages again and again: keep them mapped and cached, temp tables in RAM.
        for pragma in ("mmap_size=268435456", "cache_size=-65536", "temp_store=MEMORY"):
            self._db.execute(f"PRAGMA {pragma}")
        self._lock = threading.RLock()
        self.setup()  # cheap and silent: readers of a new file see an empty store, not an error

    def setup(self) -> None:
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
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
            "INSERT INTO docs (id, date, language, source, story_id, article) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET date=excluded.date, language=excluded.language, "
            "source=excluded.source, story_id=excluded.story_id, article=excluded.article RETURNING rowid",
            (
                article.id,
                doc["date"],
                doc["language"],
                article.source,
                doc["story_id"],
                article.model_dump_json(exclude={"normalized"}),
            ),
        )
        rowid = cur.fetchone()[0]
        self._db.execute(
            "INSERT INTO fts (rowid, norm, keys) VALUES (?, ?, ?)",
            (rowid, doc["text_norm"], _keys(doc)),
        )
        facet_rows = [
            (rowid, facet, value)
            for facet, name in FACET_FIELDS.items()
            for value in _values(doc[name])
        ]
        self._db.executemany("INSERT INTO facets VALUES (?, ?, ?)", facet_rows)

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
        where, params = self._where(request)
        rank = "bm25(fts)" if _ranked(request) else "0"
        if _ranked(request) and _demotes(request.query):
            # bm25 is negative (lower ranks first): a match only by a rejected literal goes last.
            rank += (
                " + CASE WHEN fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                " THEN 0 ELSE 1e9 END"
            )
            params = [match_expression(request.query.root, strict=True), *params]
        self._db.execute(_MATCHED)
        self._db.execute("DELETE FROM matched")
        return self._db.execute(
            f"INSERT INTO matched SELECT d.rowid, d.date, d.id, {rank} FROM fts JOIN docs d ON d.rowid = fts.rowid "
            f"WHERE {where}",
            params,
        ).rowcount

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

    def _where(self, request: SearchRequest) -> tuple[str, list]:
        clauses, params = [], []
        query = request.query
        if query.root is not None:
            clauses.append("fts MATCH ?")
            params.append(match_expression(query.root, query.strict))
        if query.since:
            clauses.append("d.date >= ?")
            params.append(query.since.astimezone(UTC).isoformat())
        if query.until:
            clauses.append("d.date <= ?")
            params.append(query.until.astimezone(UTC).isoformat())
        return (" AND ".join(clauses) or "1"), params

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
        rows = self._db.execute(
            f"SELECT f.facet, f.value, count(*) AS n FROM {self._facet_join(total)} "
            "GROUP BY f.facet, f.value ORDER BY f.facet, n DESC, f.value"
        ).fetchall()
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_FIELDS}
        for facet, value, n in rows:
            if len(out[facet]) < FACET_SIZE:
                out[facet].append((value, n))
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
