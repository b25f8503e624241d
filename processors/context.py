"""Which candidate readings of a match are kept: spelling rules, context rules, place choice.

A match can name several concepts, or a concept only under conditions (see
``rasad.concepts.forms``). ``resolve`` decides in two steps: first the unconditional and
spelling-only readings, which are certain; then the contextual ones, kept when a needed word
is within ``WINDOW`` words (or the concept was already named for certain) and no avoided word
is. When a name fits several places, the one whose country the article names wins, else the
most populous.
"""
from __future__ import annotations

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


def resolve(text: str, tokens: Tokens, matches: list[Match], lexicon: Lexicon) -> list[Reading]:
    """The readings kept, in text order."""
    certain: list[Reading] = []
    pending: list[tuple[Match, str, tuple[Rule, ...]]] = []
    for match in matches:
        spelled = text[match.start:match.end]
        for cid, rules in match.candidates:
            if any(r is None or (not r.contextual and r.spelled(spelled)) for r in rules):
                certain.append(Reading(cid, match, True))
            else:
                contextual = tuple(r for r in rules if r is not None and r.contextual and r.spelled(spelled))
                if contextual:
                    pending.append((match, cid, contextual))
    named = {r.concept_id for r in certain}
    keys = tokens.keys
    decided = [Reading(cid, m, False) for m, cid, rules in pending if _fits(m, cid, rules, keys, named)]
    readings = _choose_places(certain + decided, lexicon)
    return sorted(readings, key=lambda r: (r.match.start, r.concept_id))


def _fits(match: Match, concept_id: str, rules: tuple[Rule, ...], keys: list[str], named: set[str]) -> bool:
    for rule in rules:
        window = WINDOW if rule.window is None else rule.window
        near = set(keys[max(0, match.first - window):match.first]) | set(keys[match.last + 1:match.last + 1 + window])
        if not (near & rule.avoids) and (concept_id in named or not rule.needs or near & rule.needs):
            return True
    return False


def _choose_places(readings: list[Reading], lexicon: Lexicon) -> list[Reading]:
    """Keep one place per match when a name fits several (Tripoli in Libya or in Lebanon)."""
    concepts = lexicon.concepts
    countries = {r.concept_id for r in readings if concepts[r.concept_id].type == "country"}
    by_match: dict[int, list[Reading]] = {}
    for r in readings:
        by_match.setdefault(r.match.start, []).append(r)
    kept = []
    for group in by_match.values():
        places = [r for r in group if concepts[r.concept_id].kind == "place"]
        if len(places) > 1:
            best = max(places, key=lambda r: (concepts[r.concept_id].type == "country",
                                              concepts[r.concept_id].country in countries,
                                              concepts[r.concept_id].population))
            group = [r for r in group if r not in places or r is best]
        kept.extend(group)
    return kept
