"""Which candidate readings of a match are kept: spelling rules, context rules, place choice.

A match can name several concepts, or a concept only under conditions (see
``rasad.concepts.forms``). ``resolve`` decides in two steps: first the unconditional and
spelling-only readings, which are certain; then the contextual ones, kept when a needed word
is within ``WINDOW`` words (or the concept was already named for certain) and no avoided word
is. When a name fits several places, the one whose country the article names wins, else the
most populous.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from typing import NamedTuple

from processors.mentions import Found, Match
from processors.sentences import Sentences
from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.regions import CITY_READINGS

WINDOW = 25  # words on each side searched for context cues
_RANK = {"country": 2, "region": 1}  # when a name fits several places (then: country named, size)


class Resolved(NamedTuple):
    """The readings kept: each concept's matches in text order, and the concepts some match names for certain."""

    matches: dict[str, list[Match]]
    certain: set[str]  # the others were kept only because context allowed them
    partners: list[tuple[str, int]] = []  # (event id, cue word): the actor of a pattern that fit
    rejected: list[tuple[Match, str, str]] = []  # (match, concept id, the cue that rejected it)


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
            unsure.append((match, known[2], known[3], known[4]))
    if not unsure:
        return Resolved(by_concept, set(by_concept))
    return _Context(found, lexicon.concepts).resolve(unsure, by_concept)


class _Context:
    """``resolve`` for the matches that are not simply one concept for certain: context, then place choice."""

    def __init__(self, found: Found, concepts: dict):
        self.found, self.cues, self.concepts = found, found.cues, concepts
        self.rejected: list[tuple[Match, str, str]] = []
        self.partners: list[tuple[str, int]] = []
        self._sentences: Sentences | None = None

    @property
    def sentences(self) -> Sentences:
        if self._sentences is None:  # only a pattern rule asks: computed once, when it does
            self._sentences = Sentences(self.found)
        return self._sentences

    def resolve(self, unsure: list[tuple], by_concept: dict[str, list[Match]]) -> Resolved:
        concepts = self.concepts
        named = set(by_concept)
        for _, certain, _, _ in unsure:
            named.update(certain)
        kept: list[tuple[Match, list[tuple[str, bool]]]] = []  # readings: (concept id, certain)
        several = False
        for match, certain, contextual, spelled_out in unsure:
            self.rejected += [(match, cid, cue) for cid, cue in spelled_out]
            readings = self._readings(match, certain, contextual, named)
            kept.append((match, readings))
            several = several or len(readings) > 1
        if several:
            countries = {cid for cid in by_concept if concepts[cid].type == "country"}
            countries.update(
                cid for _, rs in kept for cid, _ in rs if concepts[cid].type == "country"
            )
            kept = [(match, self._choose_place(match, rs, countries)) for match, rs in kept]
        sure = set(by_concept)
        for match, readings in kept:
            for cid, certain in readings:
                insort(by_concept[cid], match)  # in text order: matches differ in their first word
                if certain:
                    sure.add(cid)
        return Resolved(by_concept, sure, self.partners, self.rejected)

    def _readings(
        self, match: Match, certain: tuple[str, ...], contextual: tuple, named: set[str]
    ) -> list[tuple[str, bool]]:
        """The concepts one match is kept as; a pattern that fits displaces what it replaces."""
        readings = [(cid, True) for cid in certain]
        replaced: set[str] = set()
        for cid, rules in contextual:
            verdict = self._fits(match, cid, rules, named)
            if isinstance(verdict, str):
                if verdict:
                    self.rejected.append((match, cid, verdict))
                continue
            readings.append((cid, False))
            rule, partner = verdict
            if partner is not None:
                self.partners.append((cid, partner))
            replaced |= rule.replaces
        if not replaced:
            return readings
        cities = CITY_READINGS in replaced
        return [
            r
            for r in readings
            if r[0] not in replaced and not (cities and self.concepts[r[0]].type == "city")
        ]

    def _fits(
        self, match: Match, concept_id: str, rules: tuple[Rule, ...], named: set[str]
    ) -> str | tuple[Rule, int | None]:
        """Whether some rule's needed words are near the match (or the concept named for certain) and no avoided one is.

        The answer: ``(the rule that fits, the actor's word for a pattern, else None)``, or the
        cue that rejected it.
        """
        why = "no context word it needs nearby"
        for rule in rules:
            window = WINDOW if rule.window is None else rule.window
            first, last = match.first, match.last
            near = [
                (word, key)
                for word, key in self.cues
                if first - window <= word < first or last < word <= last + window
            ]
            keys = {key for _, key in near}
            avoided = keys & rule.avoids
            if avoided:
                why = f"avoids {min(avoided)!r} nearby"
                continue
            if rule.pattern:
                partner = self._actor(match, rule, near)
                if partner is not None:
                    return rule, partner
                why = ""  # an act without its actor is just a word: not worth recording
            elif concept_id in named or not rule.needs or keys & rule.needs:
                return rule, None
        return why

    def _actor(self, match: Match, rule: Rule, near: list[tuple[int, str]]) -> int | None:
        """The nearest word of a pattern's actors in the match's sentence, if any."""
        sentence = self.sentences.of_char(match.start)
        actors = [
            word
            for word, key in near
            if key in rule.needs and self.sentences.of_word(word) == sentence
        ]
        return min(actors, key=lambda word: abs(word - match.first), default=None)

    def _choose_place(
        self, match: Match, readings: list[tuple[str, bool]], countries: set[str]
    ) -> list[tuple[str, bool]]:
        """One match's readings ``(concept id, certain)``, one place kept when its name fits several.

        Tripoli in Libya or in Lebanon: a country first, then a region (Virginia the state, not
        a town in South Africa the gazetteer also calls so), then a place whose country the
        article names, then the most populous.
        """
        concepts = self.concepts
        places = [r for r in readings if concepts[r[0]].kind == "place"]
        if len(places) < 2 or all(certain and concepts[cid].type == "region" for cid, certain in places):
            return readings  # regions a name covers together (Donbas: Donetsk and Luhansk)
        best = max(
            places,
            key=lambda r: (
                _RANK.get(concepts[r[0]].type, 0),
                concepts[r[0]].country in countries,
                concepts[r[0]].population,
            ),
        )
        label = concepts[best[0]].label
        self.rejected += [
            (match, r[0], f"the name fits {label} better") for r in places if r is not best
        ]
        return [r for r in readings if r is best or concepts[r[0]].kind != "place"]


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
    certain, contextual, spelled_out = [], [], []
    for cid, rules in candidates:
        unconditional, spelling, needing_context = _sorted_rules(rules)
        if unconditional or any(r.spelled(spelled) for r in spelling):
            certain.append(cid)
            continue
        fitting = tuple(r for r in needing_context if r.spelled(spelled))
        if fitting:
            contextual.append((cid, fitting))
        else:
            spelled_out.append((cid, _spelling_cue(spelling + needing_context)))
    sole = certain[0] if len(certain) == 1 and not contextual and not spelled_out else None
    known = (candidates, sole, tuple(certain), tuple(contextual), tuple(spelled_out))
    _DECIDED[spelled] = known
    return known


def _spelling_cue(rules: tuple[Rule, ...]) -> str:
    """Why a spelling was refused: the capital letter it lacks or the spelling it must have."""
    exact = next((r.exact for r in rules if r.exact is not None), None)
    return f"spelled otherwise than {exact!r}" if exact else "not capitalized"


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
