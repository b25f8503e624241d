"""The producer's memory across runs: what was acknowledged, which files
were read, where feeds were left.

A small SQLite file under ``data_dir``. Keys are recorded only after the bus acknowledged the
article, so a restarted producer skips exactly what was delivered and re-sends the rest.
Everything is scoped by destination (bus URL + raw topic): sending to another bus or topic
starts from scratch.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from producers.feeds import FeedPosition
from rasad.sqlitedb import transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (destination TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (destination, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (destination TEXT NOT NULL, path TEXT NOT NULL,
    fingerprint TEXT NOT NULL, PRIMARY KEY (destination, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feeds (destination TEXT NOT NULL, url TEXT NOT NULL, etag TEXT,
    last_modified TEXT, PRIMARY KEY (destination, url)) WITHOUT ROWID;
"""


class State:
    """Seen article keys, read files and feed positions for one destination.

    Safe to share across threads.

    ``path=None`` keeps it in memory (one run only: the demo, tests).
    """

    def __init__(self, path: Path | None, destination: str):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.destination = destination
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def seen(self, keys: Iterable[str]) -> bool:
        """Whether any of these keys was acknowledged before."""
        keys = list(keys)
        marks = ",".join("?" * len(keys))
        with self._lock:
            row = self._db.execute(
                f"SELECT 1 FROM sent WHERE destination = ? AND key IN ({marks}) LIMIT 1",
                [self.destination, *keys],
            ).fetchone()
        return row is not None

    def mark_sent(self, keys: Iterable[str]) -> None:
        """Record acknowledged keys (one transaction)."""
        rows = [(self.destination, k) for k in keys]
        with self._lock, transaction(self._db, "producer state"):
            self._db.executemany("INSERT OR IGNORE INTO sent VALUES (?, ?)", rows)

    def file_done(self, path: Path, fingerprint: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint FROM files WHERE destination = ? AND path = ?",
                (self.destination, str(path)),
            ).fetchone()
        return row is not None and row[0] == fingerprint

    def mark_file(self, path: Path, fingerprint: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
                (self.destination, str(path), fingerprint),
            )

    def feed_position(self, url: str) -> FeedPosition:
        with self._lock:
            row = self._db.execute(
                "SELECT etag, last_modified FROM feeds WHERE destination = ? AND url = ?",
                (self.destination, url),
            ).fetchone()
        return FeedPosition(url, *row) if row else FeedPosition(url)

    def save_feed_position(self, position: FeedPosition) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?)",
                (self.destination, position.url, position.etag, position.last_modified),
            )
