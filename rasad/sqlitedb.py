"""SQLite transactions for the embedded stores (articles, alert
rules and ledger, producer state).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from rasad.errors import StoreError


@contextmanager
def transaction(db: sqlite3.Connection, what: str) -> Iterator[sqlite3.Connection]:
    """BEGIN … COMMIT on an autocommit connection.

    On any error ROLLBACK, and SQLite errors become ``StoreError``.

    The caller holds whatever lock serializes its connection.
    """
    db.execute("BEGIN")
    try:
        yield db
    except sqlite3.Error as exc:
        db.execute("ROLLBACK")
        raise StoreError(f"{what} failed: {exc}") from exc
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
