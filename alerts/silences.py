"""Silence detection: per rule and per source (or concept), when it was last heard and its
usual gap between articles; a key quiet for longer than the rule's level is a silence.

Like spike counts, the state lives in any mutable mapping keyed ``"<rule>|<key>"``: a Faust
table on the real stack (its changelog follows the key's partition of the spike-counts topic,
so one worker holds each key), a dict in the embedded runner. Articles update it as they are
counted (``heard``); a timer asks which keys are quiet now (``quiet``). A timer may not write
to a Faust table, so ``quiet`` only reads: a silence fires once because its alert id names
the last article's time (the ledger refuses a second claim), until the key is heard again.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from alerts.rules import Silence
from rasad.query import canonical_filter

MIN_GAPS = 3  # gaps heard before a key's usual gap is trusted (a factor needs them)


@dataclass(frozen=True)
class SilenceHit:
    """A key quiet for at least the rule's level."""

    rule: str
    key: str
    last_seen: float
    quiet: float
    usual_gap: float | None
    level: float
    article_id: str


def cell(rule: str, key: str) -> str:
    return f"{rule}|{key}"


def heard(
    table: MutableMapping[str, Any],
    rule: str,
    silence: Silence,
    key: str,
    at: float,
    partition: int = 0,
    article_id: str = "",
) -> None:
    """Record an article of ``key`` at ``at`` (epoch seconds); ``partition``: where it is kept."""
    name = cell(rule, key)
    state = table.get(name)
    if state is None:
        table[name] = {"last": at, "gaps": [], "p": partition, "article": article_id}
        return
    if at <= state["last"]:  # late or replayed: the key was heard since
        return
    gap = at - state["last"]
    gaps = [*state["gaps"], round(gap, 3)][-silence.history :]
    table[name] = {"last": at, "gaps": gaps, "p": partition, "article": article_id}


def seed(
    table: MutableMapping[str, Any], rule: str, key: str, at: float, partition: int = 0
) -> None:
    """Start watching a key never heard: quiet since ``at`` (the rule's creation)."""
    if cell(rule, key) not in table:
        table[cell(rule, key)] = {"last": at, "gaps": [], "p": partition, "article": ""}


def level(silence: Silence, gaps: list[float]) -> tuple[float | None, float | None]:
    """(the quiet time that fires, the usual gap): None when neither is known yet."""
    usual = sum(gaps) / len(gaps) if len(gaps) >= MIN_GAPS else None
    levels = [silence.after] if silence.after else []
    if silence.factor and usual is not None:
        levels.append(silence.factor * usual)
    return (max(levels) if levels else None), usual


def quiet(
    table: MutableMapping[str, Any],
    rules: dict[str, Silence],
    now: float,
    owned: Callable[[int], bool] = lambda partition: True,
) -> list[SilenceHit]:
    """Keys of these rules quiet for at least their level at ``now``, among those kept here."""
    hits = []
    for name, state in list(table.items()):
        rule, _, key = name.partition("|")
        silence = rules.get(rule)
        if silence is None or not owned(state.get("p", 0)):
            continue
        if silence.keys and key not in silence.keys:
            continue  # a key the rule no longer watches
        threshold, usual = level(silence, state["gaps"])
        waited = now - state["last"]
        if threshold is not None and waited >= threshold:
            hits.append(
                SilenceHit(rule, key, state["last"], waited, usual, threshold, state["article"])
            )
    return hits


def silence_keys(silence: Silence, doc: dict[str, Any], focus: frozenset[str]) -> list[str]:
    """The keys an article is heard under: its source, or the concepts the rule watches."""
    if silence.by == "source":
        key = doc.get("source_key") or ""
        return [key] if key and (not silence.keys or key in silence.keys) else []
    wanted = {k.upper() for k in silence.keys} | focus
    return [c for c in doc["concepts"] if c.upper() in wanted]


def watched(silence: Silence, focus: frozenset[str]) -> list[str]:
    """Keys watched from the start: the rule's keys and, by concept, those its query names."""
    keys = list(silence.keys)
    if silence.by == "concept":
        keys += [canonical_filter("concept", f) for f in sorted(focus)]
    return list(dict.fromkeys(keys))
