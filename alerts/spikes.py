"""Spike detection: per rule and per concept/country, count matching articles in fixed windows
and fire when the current window's count reaches the rule's level.

Counts live in any mutable mapping: a Faust table on the real stack (changelogged to Kafka,
so a restarted worker keeps them), a dict in the embedded runner. Everything is computed
inline when an article is counted (Faust's ``on_window_close`` fires on wall-clock time
without the window's data, so it is not used).
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass

from alerts.rules import Spike
from rasad.query import And, Filter, Node, Or, Query


@dataclass(frozen=True)
class SpikeHit:
    """A window whose count reached the rule's level."""

    rule: str
    key: str
    window_start: float
    count: int
    level: float
    baseline: float


def window_start(at: float, size: float) -> float:
    """The start (epoch seconds) of the fixed window of ``size`` seconds holding ``at``."""
    return math.floor(at / size) * size


def _cell(rule: str, key: str, start: float) -> str:
    return f"{rule}|{key}|{start:.0f}"


def count(
    table: MutableMapping, rule: str, spike: Spike, keys: list[str], at: float
) -> list[SpikeHit]:
    """Add one article at time ``at`` under each key.

    Return the keys whose window just reached the level.

    A window fires exactly once: on the article that brings its count to the level.
    """
    start = window_start(at, spike.window)
    hits = []
    for key in keys:
        cell = _cell(rule, key, start)
        current = table.get(cell, 0) + 1
        table[cell] = current
        _forget(table, rule, key, start - spike.window * (spike.baseline + 1))
        history = [
            table.get(_cell(rule, key, start - spike.window * i), 0)
            for i in range(1, spike.baseline + 1)
        ]
        baseline = sum(history) / len(history)
        # A quiet history counts as one article per window: k × 0 would fire on every first article.
        level = max(float(spike.threshold), spike.factor * max(baseline, 1.0), 1.0)
        if current >= level and current - 1 < level:
            hits.append(SpikeHit(rule, key, start, current, level, baseline))
    return hits


def _forget(table: MutableMapping, rule: str, key: str, start: float) -> None:
    """Drop the window that just left the baseline, so the table does not grow without bound."""
    cell = _cell(rule, key, start)
    if cell in table:
        del table[cell]


def spike_keys(spike: Spike, doc: dict, focus: frozenset[str] = frozenset()) -> list[str]:
    """The values an article is counted under: its concepts or countries (only
    those in ``focus`` when given).
    """
    values = doc["concepts"] if spike.by == "concept" else doc["countries"]
    return [v for v in values if not focus or v.upper() in focus]


def focus(by: str, query: Query) -> frozenset[str]:
    """The concepts (or countries) a rule's query names, upper-cased: a rule on "ISIS"
    counts ISIS, not every co-tag.

    Empty when the query names none: then every concept (country) of a matching article is counted.
    """
    wanted = {"concept": ("concept", "actor", "place", "type"), "country": ("country",)}[by]
    named = {f.value.upper() for f in _filters(query.root) if f.field in wanted}
    if by == "concept":
        named |= {c.upper() for c in query.concepts}
    return frozenset(named)


def _filters(node: Node | None) -> list[Filter]:
    """The filters of a tree that are not negated."""
    if isinstance(node, Filter):
        return [node]
    if isinstance(node, (And, Or)):
        return [f for part in node.parts for f in _filters(part)]
    return []
