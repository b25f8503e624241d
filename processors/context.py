"""Which candidate readings of a match are kept: spelling rules, context rules, place choice.

A match can name several concepts, or a concept only under conditions (see
``rasad.concepts.forms``). ``resolve`` decides in two steps: first the unconditional and
spelling-only readings, which are certain; then the contextual ones, kept when a needed word
is within ``WINDOW`` words (or the concept was already named for certain) and no avoided word
is. When a name fits several places, the one whose country the article names wins, else the
most populous.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from typing import NamedTuple

from processors.mentions import Found, Match
from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule

WINDOW = 25  # words on each side searched for context cues


class Resolved(NamedTuple):
    """The readings kept: each concept's matches in text order, and the concepts some match names for certain."""

    matches: dict[str, list[Match]]
    certain: set[str]  # the others were kept only because context allowed them


def resolve(found: Found, lexicon: Lexicon) -> Resolved:
    """Which concepts ``find``'s matches are read as (context rules and place choice applied)."""
    by_concept: dict[str, list[Match]] = defaultdict(list)
    unsure: list[
        tuple[Match, tuple[str, ...], tuple]
    ] = []  # (match, certain concepts, contextual ones)
    decided = _DECIDED
    for match in found.matches:
        candidates = match.candidates
        known = decided.get(match.text)
        if known is None or known[0] is not candidates:
            known = _decide(candidates, match.text)
        if known[1]:  # the common case: one concept, for certain
            by_concept[known[1]].append(match)
        else:
            unsure.append((match, known[2], known[3]))
    if not unsure:
        return Resolved(by_concept, set(by_concept))
    return _resolve_unsure(unsure, by_concept, found.cues, lexicon.concepts)


def _resolve_unsure(
    unsure: list[tuple[Match, tuple[str, ...], tuple]],
    by_concept: dict[str, list[Match]],
    cues: list[tuple[int, str]],
    concepts: dict,
) -> Resolved:
    """``resolve`` for the matches that are not simply one concept for certain: context, then place choice."""
    named = set(by_concept)
    for _, certain, _ in unsure:
        named.update(certain)
    kept: list[
        tuple[Match, list[tuple[str, bool]]]
    ] = []  # (match, its readings: (concept id, certain))
    several = False
    for match, certain, contextual in unsure:
        readings = [(cid, True) for cid in certain] if certain else []
        for cid, rules in contextual:
            if _fits(match, cid, rules, cues, named):
                readings.append((cid, False))
        kept.append((match, readings))
        several = several or len(readings) > 1
    if several:
        countries = {cid for cid in by_concept if concepts[cid].type == "country"}
        countries.update(
            cid for _, readings in kept for cid, _ in readings if concepts[cid].type == "country"
        )
        kept = [(match, _choose_place(readings, concepts, countries)) for match, readings in kept]
    sure = set(by_concept)
    touched = set()
    for match, readings in kept:
        for cid, certain in readings:
            by_concept[cid].append(match)
            touched.add(cid)
            if certain:
                sure.add(cid)
    for (
        cid
    ) in touched:  # in text order (matches differ in their first word); one sort, not n inserts
        by_concept[cid].sort()
    return Resolved(by_concept, sure)


# A match as written -> (its candidates, _decide's answer): the spelling gives the words, hence the candidates
# (unless another lexicon or a Turkish reading is in use: then the candidates differ and it is decided again).
_DECIDED: dict[str, tuple] = {}


def _decide(candidates: tuple[tuple[str, tuple[Rule | None, ...]], ...], spelled: str) -> tuple:
    """``(candidates, sole, certain, contextual)`` for a match spelled so, remembered in ``_DECIDED``.

    ``certain``: the concepts it reads as for certain; ``contextual``: those left to its context,
    with their rules; ``sole``: the one concept when that is all (else None).
    """
    if len(_DECIDED) >= 200_000:
        _DECIDED.clear()
    certain, contextual = [], []
    for cid, rules in candidates:
        unconditional, spelling, needing_context = _sorted_rules(rules)
        if unconditional or any(r.spelled(spelled) for r in spelling):
            certain.append(cid)
            continue
        needing_context = tuple(r for r in needing_context if r.spelled(spelled))
        if needing_context:
            contextual.append((cid, needing_context))
    sole = certain[0] if len(certain) == 1 and not contextual else None
    known = _DECIDED[spelled] = (candidates, sole, tuple(certain), tuple(contextual))
    return known


def _sorted_rules(
    rules: tuple[Rule | None, ...],
) -> tuple[bool, tuple[Rule, ...], tuple[Rule, ...]]:
    """Whether some form counts unconditionally; the spelling-only rules; the contextual ones."""
    conditional = [r for r in rules if r is not None]
    return (
        len(conditional) < len(rules),
        tuple(r for r in conditional if not r.contextual),
        tuple(r for r in conditional if r.contextual),
    )


def _fits(
    match: Match,
    concept_id: str,
    rules: tuple[Rule, ...],
    cues: list[tuple[int, str]],
    named: set[str],
) -> bool:
    """Whether some rule's needed words are near the match (or the concept named for certain) and no avoided one is."""
    for rule in rules:
        window = WINDOW if rule.window is None else rule.window
        first, last = match.first, match.last
        # Cues are in text order: only those within the window are looked at (a long article has
        # thousands, and scanning them all for each unsure match was quadratic).
        low, high = bisect_left(cues, (first - window,)), bisect_left(cues, (last + window + 1,))
        near = {
            key
            for word, key in cues[low:high]
            if first - window <= word < first or last < word <= last + window
        }
        if near & rule.avoids:
            continue
        if concept_id in named or not rule.needs or near & rule.needs:
            return True
    return False


def _choose_place(
    readings: list[tuple[str, bool]], concepts: dict, countries: set[str]
) -> list[tuple[str, bool]]:
    """One match's readings ``(concept id, certain)``, one place kept when its name fits several.

    Tripoli in Libya or in Lebanon: a country first, then a place whose country the article names,
    then the most populous.
    """
    places = [r for r in readings if concepts[r[0]].kind == "place"]
    if len(places) < 2:
        return readings
    best = max(
        places,
        key=lambda r: (
            concepts[r[0]].type == "country",
            concepts[r[0]].country in countries,
            concepts[r[0]].population,
        ),
    )
    return [r for r in readings if r is best or concepts[r[0]].kind != "place"]
