"""Which candidate readings of a match are kept: spelling rules, context rules, place choice.

A match can name several concepts, or a concept only under conditions (see
``rasad.concepts.forms``). ``resolve`` decides in two steps: first the unconditional and
spelling-only readings, which are certain; then the contextual ones, kept when a needed word
is within ``WINDOW`` words (or the concept was already named for certain) and no avoided word
is. When a name fits several places, the one whose country the article names wins, else the
most populous.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

from processors.mentions import Found, Match
from processors.sentences import Sentences
from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.inflection import match_key
from rasad.concepts.regions import CITY_READINGS
from rasad.normalize import fold

WINDOW = 25  # words on each side searched for context cues
_FEW = 4  # windows up to this many words are read word by word, wider ones sliced from the cues
_UNMET = "no context word it needs nearby"
_KEY = itemgetter(1)  # of a (word, key) cue
_RANK = {"country": 2, "region": 1}  # when a name fits several places (then: country named, size)
_PREVIOUS = re.compile(r"([^\W\d_][\w.]*)[ \t]*$")  # the word before a match (a title?)
_SENTENCE_END = re.compile(r"(?:^|[.!?؟:;]|\n)[\s\"'«»“”(]*$")


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence (or the text, or a line)."""
    return bool(_SENTENCE_END.search(text, max(0, start - 12), start))


# A Turkish case ending after an apostrophe marks a proper name (Batman'da, Van'dan, Ordu'ya):
# the name, not the everyday word (batman, van, ordu = army); see ``_Context._turkish_name``.
_NAME_SUFFIX = re.compile(
    r"['’](?:d[ae]n?|t[ae]n?|[ae]|y[ae]|n?[ıiuü]n|n?[ıiuü]|y[ıiuü]|l[ae]|yl[ae]|[dt][ae]ki|[ıiuü]?n?d[ae]n?)\b"
)
_NEXT = re.compile(r"([ \t]+|[ \t]*,[ \t]*)([^\W\d_][^\s,.;:!?()\"«»]*)")  # the word after it


class Resolved(NamedTuple):
    """The readings kept: each concept's matches in text order, and the
    concepts some match names for certain.
    """

    matches: dict[str, list[Match]]
    certain: set[str]  # the others were kept only because context allowed them
    partners: Sequence[tuple[str, int]] = ()  # (event id, cue word): a fitting pattern's actor
    rejected: Sequence[tuple[Match, str, str]] = ()  # (match, concept id, the cue that rejected it)


def resolve(found: Found, lexicon: Lexicon) -> Resolved:
    """Which concepts ``find``'s matches are read as (context rules and place choice applied)."""
    by_concept: dict[str, list[Match]] = defaultdict(list)
    # (match, certain concepts, contextual ones with their rules, spelled out with their cues)
    unsure: list[tuple[Match, tuple[str, ...], tuple, tuple]] = []
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
        for also in known[5]:  # "Israeli army" names Israel too (if this lexicon has it)
            if also in lexicon.concepts:
                by_concept[also].append(match)
    people = any(map(lexicon.names.person_cues.__contains__, map(_KEY, found.cues)))
    if not unsure and not people:
        return Resolved(by_concept, set(by_concept))
    return _Context(found, lexicon).resolve(unsure, by_concept, people)


class _Context:
    """``resolve`` for matches that are not simply one concept: context, then place choice."""

    def __init__(self, found: Found, lexicon: Lexicon):
        self.found, self.cues, self.concepts = found, found.cues, lexicon.concepts
        self.lexicon, self.names = lexicon, lexicon.names
        self.rejected: list[tuple[Match, str, str]] = []
        self.partners: list[tuple[str, int]] = []
        self._sentences: Sentences | None = None
        self._covered: set[int] | None = None
        self.cue_words = [word for word, _ in found.cues]
        self.key_at = dict(found.cues)  # word -> its key, for each cue word
        self.cue_keys = set(
            self.key_at.values()
        )  # any context word a rule asks for is one of these
        self._titled: set[int] | None = None

    @property
    def covered(self) -> set[int]:
        """Words inside forms of several words: a cue there belongs to that form."""
        if self._covered is None:
            self._covered = {
                word
                for m in self.found.matches
                if m.last > m.first
                for word in range(m.first, m.last + 1)
            }
        return self._covered

    @property
    def sentences(self) -> Sentences:
        if self._sentences is None:  # only a pattern rule asks: computed once, when it does
            self._sentences = Sentences(self.found)
        return self._sentences

    def resolve(
        self, unsure: list[tuple], by_concept: dict[str, list[Match]], people: bool = False
    ) -> Resolved:
        """The readings of the unsure matches (``people``: titles or sports words in the text)."""
        concepts = self.concepts
        named = set(by_concept)
        for _, certain, _, _ in unsure:
            named.update(certain)
        kept: list[tuple[Match, list[tuple[str, bool]]]] = []  # readings: (concept id, certain)
        several = False
        for match, certain, contextual, spelled_out in unsure:
            if not match.candidates:
                self._blocked(match)
                continue
            self.rejected += [(match, cid, cue) for cid, cue in spelled_out]
            readings = self._readings(match, certain, contextual, named)
            kept.append((match, readings))
            several = several or len(readings) > 1
        if several:  # the countries the article names, or names places in
            named_places = [cid for cid in by_concept if concepts[cid].kind == "place"]
            named_places += [
                cid for _, rs in kept for cid, _ in rs if concepts[cid].type == "country"
            ]
            countries = {code for cid in named_places if (code := concepts[cid].country)}
            kept = [(match, self._choose_place(match, rs, countries)) for match, rs in kept]
        sure, touched = set(by_concept), set()
        for match, readings in kept:
            for cid, certain in readings:
                by_concept[cid].append(match)
                touched.add(cid)
                if certain:
                    sure.add(cid)
        for cid in touched:  # in text order (matches differ in their first word): one sort, as
            by_concept[cid].sort()  # n inserts were quadratic on a text repeating one name
        if people:
            self._not_places(by_concept)
        self._same_person(by_concept)
        return Resolved(by_concept, sure, self.partners, self.rejected)

    def _same_person(self, by_concept: dict[str, list[Match]]) -> None:
        """A name read as a person or a team once is that throughout (Chad Miller … Chad)."""
        named = {
            (cid, m.text)
            for m, cid, cue in self.rejected
            if cue.startswith(("a person", "a team", "a name after"))
        }
        people = {cid for cid, _ in named}
        for cid in [cid for cid in by_concept if cid in people]:  # as found: a stable order
            same = [m for m in by_concept[cid] if (cid, m.text) in named]
            if len(same) == len(by_concept[cid]):
                del by_concept[cid]
                self.rejected += [
                    (m, cid, "the same name is not the place elsewhere") for m in same
                ]

    def _blocked(self, match: Match) -> None:
        """A phrase that names nothing (names.yaml): what its words alone would have named."""
        lexicon = self.lexicon
        for word in lexicon.stemmer.terms(match.text):
            for cid, _ in lexicon.index.get((match_key(word),), ()):
                self.rejected.append(
                    (match, cid, f"part of {match.text!r}, which is not a mention")
                )

    def _not_places(self, by_concept: dict[str, list[Match]]) -> None:
        """Places (and given-name actors) right after a title, or next to sports words, dropped.

        "actress Isis Valverde", "l'ouragan Milton" are names; "Barcelona beat Paris" are teams.
        """
        names, titled = self.names, self.titled
        self._sport = [word for word, key in self.cues if key in names.sport]
        self._unless = [word for word, key in self.cues if key in names.sport_unless]
        for cid in list(by_concept):
            concept = self.concepts[cid]
            if concept.kind != "place" and not (
                concept.kind == "actor" and concept.type == "person"
            ):
                continue
            kept = []
            for match in by_concept[cid]:
                cue = self._name_cue(match, titled)
                if cue and (concept.kind == "place" or self._is_given(match)):
                    self.rejected.append((match, cid, cue))
                else:
                    kept.append(match)
            if kept:
                by_concept[cid] = kept
            else:
                del by_concept[cid]

    def _name_cue(self, match: Match, titled: set[int]) -> str | None:
        if match.first - 1 in titled:  # and on the same line, only spaces between
            text = self.found.tokens.text if self.found.tokens is not None else ""
            before = _PREVIOUS.search(text, max(0, match.start - 40), match.start)
            if before and self._key(before.group(1)) in self.names.titles:
                return f"a name after {before.group(1)!r}"
        low, high = match.first - self.names.sport_window, match.last + self.names.sport_window
        sport = [word for word in self._sport if low <= word <= high]
        if sport and not any(low <= word <= high for word in self._unless):
            if self._venue(match):
                return None
            cues = dict(self.cues)
            return f"a team: {cues[sport[0]]!r} nearby"
        return None

    def _venue(self, match: Match) -> bool:
        """Whether the word just before the match makes it where a match is played ("in")."""
        text = self.found.tokens.text if self.found.tokens is not None else ""
        before = _PREVIOUS.search(text, max(0, match.start - 12), match.start)
        return before is not None and self._key(before.group(1)) in self.names.sport_at

    def _is_given(self, match: Match) -> bool:
        key = tuple(match_key(w) for w in self.lexicon.stemmer.terms(match.text))
        return key in self.names.given or key in self.names.common

    def _readings(
        self, match: Match, certain: tuple[str, ...], contextual: tuple, named: set[str]
    ) -> list[tuple[str, bool]]:
        """The concepts one match is kept as; a pattern that fits displaces what it replaces."""
        readings = [(cid, True) for cid in certain]
        replaced: set[str] = set()
        unmet = []  # readings that lacked a context word: worth saying only if nothing is kept
        for cid, rules in contextual:
            verdict = self._fits(match, cid, rules, named)
            if isinstance(verdict, str):
                if verdict == _UNMET:
                    unmet.append((match, cid, verdict))
                elif verdict:
                    self.rejected.append((match, cid, verdict))
                continue
            readings.append((cid, False))
            rule, partner = verdict
            if partner is not None:
                self.partners.append((cid, partner))
            replaced |= rule.replaces
        if not readings:
            self.rejected += unmet
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
        """Whether a rule's needed words are near (or the concept
        named for certain), no avoided one.

        The answer: ``(the rule that fits, the actor's word for a pattern, else None)``, or the
        cue that rejected it.
        """
        why = _UNMET
        present = self.cue_keys
        for rule in rules:
            if (  # the common case: none of the words it needs or avoids is in the text at all
                not rule.person
                and not rule.pattern
                and rule.needs
                and concept_id not in named
                and present.isdisjoint(rule.needs)
                and present.isdisjoint(rule.avoids)
            ):
                continue
            if rule.person:
                person = self._person(match, concept_id)
                if person:
                    return person
            # A region word inside another name (Kürdistan Bölgesi) marks that name, not this one.
            covered = self.covered if CITY_READINGS in rule.replaces else ()
            near = self._near(match, WINDOW if rule.window is None else rule.window, covered)
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
            elif (
                concept_id in named
                or not rule.needs
                or keys & rule.needs
                or (len(match.candidates) == 1 and self._turkish_name(match, concept_id))
            ):
                return rule, None
        return why

    def _turkish_name(self, match: Match, concept_id: str) -> bool:
        """A Turkish place written as a name (Van'da, Batman'dan): the suffix settles word or
        name. It stands for the context a form needs only when the match has no other reading
        (a bare "Adana'da" is still the city, not the province), and only for places in Turkey
        ("Sur'da" is Diyarbakır's district, not Tyre): the suffix tells no place from another.
        """
        tokens = self.found.tokens
        return (
            tokens is not None
            and self.concepts[concept_id].country == "TR"
            and _NAME_SUFFIX.match(tokens.text, match.end) is not None
        )

    def _near(self, match: Match, window: int, covered: set[int] | tuple) -> list[tuple[int, str]]:
        """Cues ``(word, key)`` within ``window`` words of the match, not in it nor ``covered``.

        In text order.
        """
        first, last = match.first, match.last
        if window <= _FEW:  # a few words each side: each looked up
            key_at = self.key_at
            return [
                (word, key_at[word])
                for word in chain(range(first - window, first), range(last + 1, last + window + 1))
                if word in key_at and word not in covered
            ]
        at = self.cue_words  # in text order: only the slice within the window is looked at
        return [
            (word, key)
            for word, key in self.cues[
                bisect_left(at, first - window) : bisect_right(at, last + window)
            ]
            if (word < first or word > last) and word not in covered
        ]

    def _person(self, match: Match, concept_id: str) -> str | None:
        """Why a given name (or an everyday word) is not the concept here, or None."""
        # Cheap tests first: this runs for every mention of Israel, Jordan, Paris, Erdogan …
        text = self.found.tokens.text if self.found.tokens is not None else ""
        if match.first - 1 in self.titled:  # a title word just before (and on the same line)
            before = _PREVIOUS.search(text, max(0, match.start - 40), match.start)
            if before and self._key(before.group(1)) in self.names.titles:
                return f"a person: after {before.group(1)!r}"
        if (
            _sentence_start(text, match.start)
            and self._is_common(match)
            and not self._turkish_name(match, concept_id)
        ):
            return "an everyday word at the start of a sentence"
        after = _NEXT.match(text, match.end)
        if after is None:
            return None
        word, comma = after.group(2), after.group(1).strip() == ","
        if fold(word) in self.names.patronymics:
            return f"a person: {word!r} follows"
        if not word[:1].isupper():
            return None
        key = self._key(word)
        if comma:  # Lebanon, Ohio: a town in another country's region
            region = next(
                (c for c, _ in self.lexicon.index.get((key,), ()) if c.startswith("iso:")), None
            )
            country = self.concepts[concept_id].country
            if region and country and self.concepts[region].country != country:
                return f"a town in {word!r}"
            return None
        if key not in self.names.place_words and key not in self.lexicon.starts:
            return f"a person: followed by {word!r}"
        return None

    @property
    def titled(self) -> set[int]:
        """The words that are titles (names.yaml), by their index."""
        if self._titled is None:
            self._titled = {word for word, key in self.cues if key in self.names.titles}
        return self._titled

    def _is_common(self, match: Match) -> bool:
        key = tuple(match_key(w) for w in self.lexicon.stemmer.terms(match.text))
        return key in self.names.common

    def _key(self, word: str) -> str:
        terms = self.lexicon.stemmer.terms(word)
        return match_key(terms[0]) if terms else ""

    def _actor(self, match: Match, rule: Rule, near: list[tuple[int, str]]) -> int | None:
        """The nearest word of a pattern's actors in the match's sentence, if any."""
        actors = [word for word, key in near if key in rule.needs]
        if not actors:  # the common case: an act without its actor, no sentence looked at
            return None
        sentences = self.sentences
        actors = [word for word in actors if sentences.same(sentences.start_of(word), match.start)]
        return min(actors, key=lambda word: abs(word - match.first), default=None)

    def _choose_place(
        self, match: Match, readings: list[tuple[str, bool]], countries: set[str]
    ) -> list[tuple[str, bool]]:
        """One match's readings ``(concept id, certain)``: one place kept when a name fits several.

        Tripoli in Libya or in Lebanon: a country first, then a region (Virginia the state, not
        a town in South Africa the gazetteer also calls so), then a place whose country the
        article names, then the most populous.
        """
        concepts = self.concepts
        places = [r for r in readings if concepts[r[0]].kind == "place"]
        if len(places) < 2 or all(
            certain and concepts[cid].type == "region" for cid, certain in places
        ):
            return readings  # regions a name covers together (Donbas: Donetsk and Luhansk)
        best = max(
            places,
            key=lambda r: (
                _RANK.get(concepts[r[0]].type or "", 0),
                concepts[r[0]].country in countries,
                concepts[r[0]].population,
            ),
        )
        label = concepts[best[0]].label
        self.rejected += [
            (match, r[0], f"the name fits {label} better") for r in places if r is not best
        ]
        return [r for r in readings if r is best or concepts[r[0]].kind != "place"]


# A match as written -> (its candidates, _decide's answer): the spelling gives
# the words, hence the candidates
# (unless another lexicon or a Turkish reading is in use: then the candidates
# differ and it is decided again).
_DECIDED: dict[str, tuple] = {}


def _decide(candidates: tuple[tuple[str, tuple[Rule | None, ...]], ...], spelled: str) -> tuple:
    """``(candidates, sole, certain, contextual, spelled out, also)`` for a match spelled so.

    Remembered in ``_DECIDED``. ``certain``: the concepts it reads as for certain;
    ``contextual``: those left to its context, with their rules; ``sole``: the one concept when
    that is all (else None); ``spelled out``: ``(concept, cue)`` its spelling rules out;
    ``also``: concepts its forms name besides ("Israeli army": Israel).
    """
    if len(_DECIDED) >= 200_000:
        _DECIDED.clear()
    certain: list[str] = []
    contextual: list[tuple[str, tuple[Rule, ...]]] = []
    spelled_out: list[tuple[str, str]] = []
    also: set[str] = set()
    for cid, rules in candidates:
        unconditional, spelling, needing_context = _sorted_rules(rules)
        fitting_spelling = [r for r in spelling if r.spelled(spelled)]
        if unconditional or fitting_spelling:
            certain.append(cid)
            also.update(*(r.also for r in fitting_spelling))
            continue
        fitting = tuple(r for r in needing_context if r.spelled(spelled))
        if fitting:
            contextual.append((cid, fitting))
        else:
            spelled_out.append((cid, _spelling_cue(spelling + needing_context)))
    sole = certain[0] if len(certain) == 1 and not contextual and not spelled_out else None
    known = (candidates, sole, tuple(certain), tuple(contextual), tuple(spelled_out), tuple(also))
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
