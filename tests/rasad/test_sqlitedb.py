"""The embedded stores' SQLite transactions: all or nothing, errors typed."""

from __future__ import annotations

import sqlite3

import pytest

from rasad.errors import StoreError
from rasad.sqlitedb import transaction


def _db():
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
    return db


def test_commit_keeps_every_row():
    db = _db()
    with transaction(db, "test"):
        db.executemany("INSERT INTO t VALUES (?)", [("a",), ("b",)])
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 2 and not db.in_transaction


def _insert_twice(db: sqlite3.Connection) -> None:
    with transaction(db, "saving things"):
        db.execute("INSERT INTO t VALUES ('a')")
        db.execute("INSERT INTO t VALUES ('a')")


def _insert_then_fail(db: sqlite3.Connection) -> None:
    with transaction(db, "test"):
        db.execute("INSERT INTO t VALUES ('a')")
        raise ValueError("a bug in the caller")


def test_sqlite_error_rolls_back_and_becomes_a_store_error():
    db = _db()
    with pytest.raises(StoreError, match="saving things failed: UNIQUE constraint failed"):
        _insert_twice(db)
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0 and not db.in_transaction


def test_other_errors_roll_back_and_pass_through():
    db = _db()
    with pytest.raises(ValueError, match="a bug in the caller"):
        _insert_then_fail(db)
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0 and not db.in_transaction
