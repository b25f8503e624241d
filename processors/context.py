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
from itertools import chain
from typing import NamedTuple

from processors.matcher import Match, Tokens
from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule

WINDOW = 25  # words on each side searched for context cues


class Reading(NamedTuple):
    """A match read as one concept; ``certain`` is False when context had to decide."""

    concept_id: str
    match: Match
    certain: bool


_reading = partial(tuple.__new__, Reading)  # from a tuple: a third of the cost of calling the class

def resolve(text: str, tokens: Tokens, matches: list[Match], lexicon: Lexicon) -> list[Reading]:
    """The readings kept, in text order (a match's readings in the order of its candidates)."""
    found: list[list[Reading]] = []  # per match, its readings
    pending: list[tuple[list[Reading], Match, str, tuple[Rule, ...]]] = []
    named: set[str] = set()
    for match in matches:
        candidates = match.candidates
        if len(candidates) == 1 and None in candidates[0][1]:  # the common case: one concept, no conditions
            named.add(candidates[0][0])
            found.append([_reading((candidates[0][0], match, True))])
            continue
        here: list[Reading] = []
        found.append(here)
        spelled = text[match.start:match.end]
        for cid, rules in candidates:
            unconditional, spelling, contextual = _sorted_rules(rules)
            if unconditional or any(r.spelled(spelled) for r in spelling):
                here.append(_reading((cid, match, True)))
                named.add(cid)
                continue
            contextual = tuple(r for r in contextual if r.spelled(spelled))
            if contextual:
                pending.append((here, match, cid, contextual))
    keys = tokens.keys
    for here, match, cid, rules in pending:
        if _fits(match, cid, rules, keys, named):
            here.append(_reading((cid, match, False)))
    if all(len(here) < 2 for here in found):
        return list(chain.from_iterable(found))
    concepts = lexicon.concepts
    countries = {r.concept_id for here in found for r in here if concepts[r.concept_id].type == "country"}
    return [r for here in found for r in (here if len(here) < 2 else _choose_place(here, concepts, countries))]


_SORTED: dict[int, tuple] = {}  # id of a lexicon's rules tuple -> (the tuple, what _sorted_rules says)


def _sorted_rules(rules: tuple[Rule | None, ...]) -> tuple[bool, tuple[Rule, ...], tuple[Rule, ...]]:
    """Whether some form counts unconditionally; the spelling-only rules; the contextual ones. Computed once per tuple."""
    known = _SORTED.get(id(rules))
    if known is None or known[0] is not rules:  # the tuple itself is kept, so its id cannot be reused
        if len(_SORTED) >= 200_000:
            _SORTED.clear()
        conditional = [r for r in rules if r is not None]
        known = _SORTED[id(rules)] = (rules, (len(conditional) < len(rules),
                                              tuple(r for r in conditional if not r.contextual),
                                              tuple(r for r in conditional if r.contextual)))
    return known[1]


def _fits(match: Match, concept_id: str, rules: tuple[Rule, ...], keys: list[str], named: set[str]) -> bool:
    for rule in rules:
        window = WINDOW if rule.window is None else rule.window
        near = set(keys[max(0, match.first - window):match.first]) | set(keys[match.last + 1:match.last + 1 + window])
        if not (near & rule.avoids) and (concept_id in named or not rule.needs or near & rule.needs):
            return True
    return False


def _choose_place(readings: list[Reading], concepts: dict, countries: set[str]) -> list[Reading]:
    """One match's readings with one place kept when its name fits several (Tripoli in Libya or in Lebanon)."""
    places = [r for r in readings if concepts[r.concept_id].kind == "place"]
    if len(places) < 2:
        return readings
    best = max(places, key=lambda r: (concepts[r.concept_id].type == "country",
                                      concepts[r.concept_id].country in countries,
                                      concepts[r.concept_id].population))
    return [r for r in readings if r is best or concepts[r.concept_id].kind != "place"]
