"""Fixtures shared by the alert tests."""
from __future__ import annotations

import pytest

from alerts.sqlite import SqliteRuleStore


@pytest.fixture
def rule_store(tmp_path):
    """An empty SQLite rule store (the embedded default's)."""
    store = SqliteRuleStore(tmp_path / "alerts.db")
    store.setup()
    yield store
    store.close()
