"""A store written by SQLite schema 1 is migrated in place: arrival times, facet rows rebuilt."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from indexers.sqlite import SqliteStore
from rasad.query import parse
from rasad.store import AggregationRequest, SearchRequest, Terms
from tests.indexers.corpus import corpus

_SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, date TEXT, language TEXT,
    source TEXT, story_id TEXT, article TEXT NOT NULL);
CREATE TABLE facets (doc INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    norm, keys, tokenize = "unicode61 remove_diacritics 0 tokenchars '_-.'");
INSERT INTO meta VALUES ('schema_version', '1');
"""


def test_a_schema_1_store_is_migrated(tmp_path, lexicon, stemmer):
    path = tmp_path / "old.db"
    arrived = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    article = corpus()[0].model_copy(update={"ingested_at": arrived})
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_1)
    old.execute(
        "INSERT INTO docs VALUES (1, ?, ?, 'ar', ?, ?, ?)",
        (
            article.id,
            "2015-10-01T09:30:00+00:00",
            article.source,
            article.id,
            article.model_dump_json(),
        ),
    )
    old.execute(
        "INSERT INTO facets VALUES (1, 'concept', 'Q2429253')"
    )  # v1: facet names, actors only
    old.execute("INSERT INTO fts VALUES ('غار جوي داعش', 'all lang_ar country_sy')")
    old.commit()
    old.close()

    store = SqliteStore(path, stemmer)
    try:
        assert store._db.execute("SELECT ingested FROM docs").fetchone()[0] == arrived.isoformat()
        answer = store.aggregate(
            AggregationRequest(
                parse("", lexicon), {"places": Terms("places"), "actors": Terms("actors")}
            )
        )
        assert answer.buckets == {"places": [("SY", 1)], "actors": [("Q2429253", 1)]}
        facets = store.search(SearchRequest(parse("", lexicon))).facets
        assert facets["concept"] == [("Q2429253", 1)] and facets["country"] == [("SY", 1)]
        assert (
            store._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
            == "2"
        )
    finally:
        store.close()
