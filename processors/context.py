"""Which candidate readings of a match are kept: spelling rules, context rules, place choice.

A match can name several concepts, or a concept only under conditions (see
``rasad.concepts.forms``). ``resolve`` decides in two steps: first the unconditional and
spelling-only readings, which are certain; then the contextual ones, kept when a needed word
is within ``WINDOW`` words (or the concept was already named for certain) and no avoided word
is. When a name fits several places, the one whose country the article names wins, else the
most populous.
"""
from __future__ import annotations

from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from processors.matcher import Found, Match
from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule

WINDOW = 25  # words on each side searched for context cues


class Reading(NamedTuple):
    """A match read as one concept; ``certain`` is False when context had to decide."""

    concept_id: str
    match: Match
    certain: bool


_reading = partial(tuple.__new__, Reading)  # from a tuple: a third of the cost of calling the class

def resolve(text: str, found: Found, lexicon: Lexicon) -> list[Reading]:
    """The readings of ``find``'s matches kept, in text order (a match's readings in the order of its candidates)."""
    readings: list[Reading] = []  # the certain ones first; context's are inserted where they belong
    pending: list[tuple[int, Match, str, tuple[Rule, ...]]] = []  # (where, match, concept id, rules)
    several = False  # whether some match may be read as several concepts
    decided = _DECIDED
    for match in found.matches:
        candidates, spelled = match.candidates, text[match.start:match.end]
        known = decided.get((id(candidates), spelled))
        if known is None or known[0] is not candidates:  # the tuple itself is kept, so its id cannot be reused
            known = _decide(candidates, spelled)
        _, sole, certain, contextual = known
        if sole:  # the common case: one concept, for certain
            readings.append(_reading((sole, match, True)))
            continue
        several = several or len(certain) + len(contextual) > 1
        readings += [_reading((cid, match, True)) for cid in certain]
        pending += [(len(readings), match, cid, rules) for cid, rules in contextual]
    if pending:
        named = set(map(_CONCEPT_ID, readings))  # all certain so far
        for where, match, cid, rules in reversed(pending):  # from the end: inserting leaves earlier places valid
            if _fits(match, cid, rules, found.cues, named):
                readings.insert(where, _reading((cid, match, False)))
    return _choose_places(readings, lexicon.concepts) if several else readings


_CONCEPT_ID = itemgetter(0)
# (id of a lexicon's candidates, spelling) -> (the candidates, _decide's answer): both repeat, each pair is decided once
_DECIDED: dict[tuple[int, str], tuple] = {}


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
    known = _DECIDED[id(candidates), spelled] = (candidates, sole, tuple(certain), tuple(contextual))
    return known


def _sorted_rules(rules: tuple[Rule | None, ...]) -> tuple[bool, tuple[Rule, ...], tuple[Rule, ...]]:
    """Whether some form counts unconditionally; the spelling-only rules; the contextual ones."""
    conditional = [r for r in rules if r is not None]
    return (len(conditional) < len(rules), tuple(r for r in conditional if not r.contextual),
            tuple(r for r in conditional if r.contextual))


def _fits(match: Match, concept_id: str, rules: tuple[Rule, ...], cues: list[tuple[int, str]], named: set[str]) -> bool:
    """Whether some rule's needed words are near the match (or the concept named for certain) and no avoided one is."""
    for rule in rules:
        window = WINDOW if rule.window is None else rule.window
        first, last = match.first, match.last
        near = {key for word, key in cues if first - window <= word < first or last < word <= last + window}
        if near & rule.avoids:
            continue
        if concept_id in named or not rule.needs or near & rule.needs:
            return True
    return False


def _choose_places(readings: list[Reading], concepts: dict) -> list[Reading]:
    """The readings with one place kept per match whose name fits several (Tripoli in Libya or in Lebanon)."""
    countries = {r.concept_id for r in readings if concepts[r.concept_id].type == "country"}
    kept: list[Reading] = []
    for _, its in groupby(readings, key=_MATCH):  # a match's readings are side by side
        its = list(its)
        kept += its if len(its) < 2 else _choose_place(its, concepts, countries)
    return kept


_MATCH = itemgetter(1)


def _choose_place(readings: list[Reading], concepts: dict, countries: set[str]) -> list[Reading]:
    """One match's readings with one place kept when its name fits several (Tripoli in Libya or in Lebanon)."""
    places = [r for r in readings if concepts[r.concept_id].kind == "place"]
    if len(places) < 2:
        return readings
    best = max(places, key=lambda r: (concepts[r.concept_id].type == "country",
                                      concepts[r.concept_id].country in countries,
                                      concepts[r.concept_id].population))
    return [r for r in readings if r is best or concepts[r.concept_id].kind != "place"]
