"""Testing a rule: what it would have matched in the search store over the last days."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from alerts.rules import AlertRule, compile_query
from rasad.concepts import Lexicon
from rasad.model import utcnow
from rasad.store import SearchRequest, SearchResult, Store


def backtest(
    rule: AlertRule,
    lexicon: Lexicon,
    store: Store,
    days: float = 7,
    size: int = 20,
    now: datetime | None = None,
) -> SearchResult:
    """The articles of the last ``days`` the rule's query and filters match, newest first, with
    a histogram per day (a spike or silence rule: the articles it would have counted)."""
    query = compile_query(rule, lexicon)
    since = (now or utcnow()) - timedelta(days=days)
    query = replace(query, since=max(since, query.since) if query.since else since)
    return store.search(SearchRequest(query, size=size, sort="date", facets=False))
