"""The rule store of the embedded default: one SQLite file (rules, ledger, alerts)."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from alerts.alert import Alert
from alerts.rules import AlertRule
from alerts.rulestores import AlertPage, RuleStore, owners_by_id
from rasad.errors import BadInput, StoreError
from rasad.settings import Settings
from rasad.sqlitedb import transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS rules (name TEXT PRIMARY KEY, rule TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (alert_id TEXT PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, rule TEXT NOT NULL, matched TEXT NOT NULL,
    alert TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_matched ON alerts(matched);
"""


class SqliteRuleStore(RuleStore):
    """SQLite rule store; safe to share between threads."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteRuleStore:
        return cls(settings.data_dir / "alerts.db")

    def __init__(self, path: Path):
        self.url = f"sqlite:///{path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "PRAGMA synchronous=NORMAL"
        )  # WAL + NORMAL: survives a crash of the process, cheap commits
        self._lock = threading.RLock()

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"alert store failed: {exc}") from exc

    def setup(self) -> None:
        with self._lock:
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(alerts)")}
            if "queued" not in columns:  # 1 while a delivery waits for its rule's digest
                self._db.execute("ALTER TABLE alerts ADD COLUMN queued INTEGER NOT NULL DEFAULT 0")
            self._db.execute(
                "CREATE INDEX IF NOT EXISTS alerts_queued ON alerts(matched) WHERE queued = 1"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(ledger)")}
            if "owner" not in columns:  # the message that claimed the alert (see claim_owned)
                self._db.execute("ALTER TABLE ledger ADD COLUMN owner TEXT")

    def add(self, rule: AlertRule, replace: bool = False) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self._lock:
            changed = self._db.execute(
                f"{verb} INTO rules VALUES (?, ?)", (rule.name, rule.model_dump_json())
            ).rowcount
            if not changed:
                raise BadInput(
                    f"a rule named {rule.name!r} exists (remove it first)", reason="bad_rule"
                )
            self._bump()

    def add_many(self, rules: list[AlertRule]) -> None:
        with self._lock, transaction(self._db, "saving alert rules"):
            self._db.executemany(
                "INSERT OR REPLACE INTO rules VALUES (?, ?)",
                [(r.name, r.model_dump_json()) for r in rules],
            )
            self._bump()

    def get(self, name: str) -> AlertRule | None:
        rows = self._run("SELECT rule FROM rules WHERE name = ?", (name,))
        return AlertRule.model_validate_json(rows[0][0]) if rows else None

    def rules(self) -> list[AlertRule]:
        return [
            AlertRule.model_validate_json(r)
            for (r,) in self._run("SELECT rule FROM rules ORDER BY name")
        ]

    def remove(self, name: str) -> bool:
        with self._lock:
            gone = self._db.execute("DELETE FROM rules WHERE name = ?", (name,)).rowcount > 0
            if gone:
                self._bump()
        return gone

    def _bump(self) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('revision', ?)", (uuid.uuid4().hex,))

    def revision(self) -> str:
        rows = self._run("SELECT value FROM meta WHERE key = 'revision'")
        return rows[0][0] if rows else ""

    def claim(self, alert_id: str) -> bool:
        with self._lock:
            return (
                self._db.execute(
                    "INSERT OR IGNORE INTO ledger (alert_id) VALUES (?)", (alert_id,)
                ).rowcount
                == 1
            )

    def claim_many(self, alert_ids: list[str]) -> set[str]:
        # One transaction, two statements: which ids are known, then the others inserted.
        wanted = list(dict.fromkeys(alert_ids))
        with self._lock, transaction(self._db, "alert ledger"):
            known: set[str] = set()
            for start in range(0, len(wanted), 500):  # SQLite binds at most 999 parameters
                chunk = wanted[start : start + 500]
                known.update(
                    row[0]
                    for row in self._db.execute(
                        "SELECT alert_id FROM ledger WHERE alert_id IN "
                        f"({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            new = [i for i in wanted if i not in known]
            self._db.executemany("INSERT INTO ledger (alert_id) VALUES (?)", [(i,) for i in new])
        return set(new)

    def claim_owned(self, alert_ids: list[str], owners: list[str]) -> dict[str, bool]:
        wanted = owners_by_id(alert_ids, owners)
        with self._lock, transaction(self._db, "alert ledger"):
            known = dict(self._select("SELECT alert_id, owner FROM ledger", "alert_id", wanted))
            new = [(i, those[0]) for i, those in wanted.items() if i not in known]
            self._db.executemany("INSERT INTO ledger (alert_id, owner) VALUES (?, ?)", new)
        held = {i: False for i, owner in known.items() if owner is not None and owner in wanted[i]}
        return {**held, **dict.fromkeys((i for i, _ in new), True)}

    def recorded(self, alert_ids: list[str]) -> dict[str, Alert]:
        with self._lock:
            rows = self._select(
                "SELECT id, alert FROM alerts", "id", list(dict.fromkeys(alert_ids))
            )
        return {i: Alert.model_validate_json(a) for i, a in rows}

    def _select(self, query: str, column: str, keys) -> list[tuple]:
        """Rows of ``query`` whose ``column`` is among ``keys`` (500 parameters a statement)."""
        keys = list(keys)
        rows: list[tuple] = []
        for start in range(0, len(keys), 500):  # SQLite binds at most 999 parameters
            chunk = keys[start : start + 500]
            rows += self._db.execute(
                f"{query} WHERE {column} IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        return rows

    def record(self, alert: Alert) -> None:
        self._run(_RECORD, _row(alert))

    def record_many(self, alerts: list[Alert]) -> None:
        rows = [_row(a) for a in alerts]
        with self._lock, transaction(self._db, "alert store"):
            self._db.executemany(_RECORD, rows)

    def alerts(self, rule: str | None = None, limit: int = 50) -> list[Alert]:
        where, params = ("WHERE rule = ?", (rule,)) if rule else ("", ())
        rows = self._run(
            f"SELECT alert FROM alerts {where} ORDER BY matched DESC LIMIT ?", (*params, limit)
        )
        return [Alert.model_validate_json(a) for (a,) in rows]

    def history(
        self,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AlertPage:
        clauses, params = [], []
        for clause, value in (
            ("rule = ?", rule),
            ("matched >= ?", _stamp(since)),
            ("matched < ?", _stamp(until)),
        ):
            if value:
                clauses.append(clause)
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            total = self._run(f"SELECT count(*) FROM alerts {where}", tuple(params))[0][0]
            rows = self._run(
                f"SELECT alert FROM alerts {where} ORDER BY matched DESC, id LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
        return AlertPage(total, [Alert.model_validate_json(a) for (a,) in rows])

    def queued(self, before: datetime, limit: int = 1000) -> list[Alert]:
        rows = self._run(
            "SELECT alert FROM alerts WHERE queued = 1 AND matched < ? ORDER BY matched LIMIT ?",
            (_stamp(before), limit),
        )
        return [Alert.model_validate_json(a) for (a,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


_RECORD = "INSERT OR REPLACE INTO alerts (id, rule, matched, alert, queued) VALUES (?, ?, ?, ?, ?)"


def _row(alert: Alert) -> tuple[str, str, str | None, str, int]:
    queued = int(any(d.status == "queued" for d in alert.deliveries))
    return (alert.id, alert.rule, _stamp(alert.latency.matched), alert.model_dump_json(), queued)


def _stamp(moment: datetime | None) -> str | None:
    """A time as stored: ISO 8601 in UTC with microseconds, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None
