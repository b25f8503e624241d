"""All standing rules compiled into one matcher: an inverted index picks candidate rules, then
each candidate's query tree is evaluated exactly against the article's search document.

Matching is search's matching (``indexers/sqlite.py`` and ``indexers/dsl.py`` read the
same tree): a Term matches when its normalized term is among the document's ``text_norm``
terms or a concept it names is among the document's ``concepts``; a Phrase when its terms
appear consecutively or it names a concept the document has; a Filter when the document's
keyword field holds the value (case-insensitive); since/until bound the document's date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from itertools import compress, repeat
from operator import and_

from rasad.document import FILTER_FIELDS
from rasad.query import And, Filter, Node, Not, Or, Phrase, Query, Term, guarded

Key = tuple[str, str]  # ("t", term) | ("c", concept id) | ("f", "field:value"), lowercased


def index_key(key: Key) -> str:
    """A key as one string, the matcher index's spelling: a str caches its hash, a tuple hashes
    again at every lookup (an article looks up each of its ~100 keys once per rule set).

    A term is itself; other kinds start with a NUL, which no term holds (and a clash would only
    make a candidate more, which evaluation then drops).
    """
    kind, value = key
    return value if kind == "t" else f"\x00{kind}{value}"


# The index key every document holds: a rule found by one key is indexed on (key, EVERYWHERE),
# so one lookup of the article's keys finds both kinds of rules.
EVERYWHERE = "\x00"


@dataclass
class DocumentView:
    """What matching needs from a search document, prepared once per article.

    ``found_by``: the document's keys as one string each (``index_key``), what the index and
    compiled rules look up; ``keys``: the same as (kind, value) pairs, built when first read.
    """

    terms: tuple[str, ...]
    others: set[Key]  # the keys that are not terms
    date: datetime | None
    found_by: set[str]

    @classmethod
    def of(cls, doc: dict) -> DocumentView:
        terms = tuple(doc["text_norm"].split())
        others: set[Key] = {("c", c.lower()) for c in doc.get("concepts", ())}
        others |= {("r", c.lower()) for c in doc.get("rejected", ())}
        for name, doc_field in FILTER_FIELDS.items():
            value = doc.get(doc_field)
            for v in value if isinstance(value, list) else [value] if value else []:
                others.add(("f", f"{name}:{v}".lower()))
        found_by = set(terms)  # a term is its own index key: no string built per word
        found_by.update([index_key(key) for key in others])
        found_by.add(EVERYWHERE)
        date = datetime.fromisoformat(doc["date"]) if doc.get("date") else None
        return cls(terms, others, date, found_by)

    @cached_property
    def keys(self) -> set[Key]:
        """All the document's keys as (kind, value) pairs (the tree walk, ``evaluate``)."""
        return {("t", t) for t in set(self.terms)} | self.others

    def has_phrase(self, words: tuple[str, ...]) -> bool:
        """Do these terms occur in this order, side by side? (The first term's places are
        found by ``tuple.index``, in C: no table of every term's places is built per article.)"""
        terms, first, length = self.terms, words[0], len(words)
        start = -1
        while True:
            try:
                start = terms.index(first, start + 1)
            except ValueError:
                return False
            if terms[start : start + length] == words:
                return True


def evaluate(node: Node | None, view: DocumentView, strict: bool = False) -> bool:
    """Does this query tree match the document (None matches everything)?

    ``strict``: a literal match the tagger rejected as the concept the word names does not
    count (``rasad.query.parse``).
    """
    if node is None:
        return True
    if isinstance(node, (Term, Phrase)):
        found = (
            ("t", node.terms[0]) in view.keys
            if len(node.terms) == 1
            else view.has_phrase(node.terms)
        )
        if found and strict:
            found = not any(("r", c.lower()) in view.keys for c in guarded(node))
        return found or any(("c", c.lower()) in view.keys for c in node.concepts)
    if isinstance(node, Filter):
        return ("f", f"{node.field}:{node.value}".lower()) in view.keys
    if isinstance(node, Not):
        return not evaluate(node.part, view, strict)
    if isinstance(node, And):
        return all(evaluate(p, view, strict) for p in node.parts)
    if isinstance(node, Or):
        return any(evaluate(p, view, strict) for p in node.parts)
    raise TypeError(f"unknown query node {node!r}")


def matches(query: Query, view: DocumentView) -> bool:
    """The whole query: the tree and the date bounds."""
    return _in_range(query, view) and evaluate(query.root, view, query.strict)


def _in_range(query: Query, view: DocumentView) -> bool:
    """The document's date is within the query's since/until (when it has them)."""
    if query.since and (view.date is None or view.date < query.since):
        return False
    return not (query.until and (view.date is None or view.date > query.until))


Test = Callable[[DocumentView], bool]


def compiled(query: Query) -> Test:
    """``matches(query, ·)`` as one closure per tree node, built once per rule.

    Ten thousand rules make a few candidates per article; a closure evaluates each without
    dispatching on node types or building keys again (the tree walk did both, every time).
    """
    root = _compile(query.root, query.strict)
    if query.since is None and query.until is None:
        return root
    return lambda view: _in_range(query, view) and root(view)


def _compile(node: Node | None, strict: bool = False) -> Test:
    if node is None:
        return lambda view: True
    if isinstance(node, (Term, Phrase)):
        concepts = tuple(index_key(("c", c.lower())) for c in node.concepts)
        rejected = tuple(index_key(("r", c.lower())) for c in guarded(node)) if strict else ()
        if rejected:
            literal = _compile(replace(node, concepts=()))
            return lambda view: (
                any(c in view.found_by for c in concepts)
                or (literal(view) and not any(r in view.found_by for r in rejected))
            )
        if len(node.terms) == 1:
            key = index_key(("t", node.terms[0]))
            if not concepts:
                return lambda view: key in view.found_by
            return lambda view: key in view.found_by or any(c in view.found_by for c in concepts)
        words = tuple(node.terms)
        return lambda view: view.has_phrase(words) or any(c in view.found_by for c in concepts)
    if isinstance(node, Filter):
        key = index_key(("f", f"{node.field}:{node.value}".lower()))
        return lambda view: key in view.found_by
    if isinstance(node, Not):
        part = _compile(node.part, strict)
        return lambda view: not part(view)
    if isinstance(node, And):
        parts = tuple(_compile(p, strict) for p in node.parts)
        if len(parts) == 2:
            first, second = parts
            return lambda view: first(view) and second(view)
        return lambda view: all(p(view) for p in parts)
    if isinstance(node, Or):
        parts = tuple(_compile(p, strict) for p in node.parts)
        return lambda view: any(p(view) for p in parts)
    raise TypeError(f"unknown query node {node!r}")


Requirement = frozenset[Key]  # keys of which a matching document holds at least one
# Requirements of a conjunction whose keys are paired in the index: past this many pairs a rule
# is indexed on its rarest requirement alone (a rule of long ORs would fill the index otherwise).
MAX_PAIRS = 16


def requirements(node: Node | None) -> list[Requirement]:
    """What a matching document must hold: each requirement (a set of keys) has one of its keys
    in every document the tree matches. Empty when nothing is required (a negation, no query).

    Necessary, not sufficient: the index narrows rules down with them, ``compiled`` decides.
    """
    if isinstance(node, (Term, Phrase)):
        # Every word of a phrase must be there, or one of the concepts the words name.
        concepts = {("c", c.lower()) for c in node.concepts}
        return [frozenset({("t", t), *concepts}) for t in dict.fromkeys(node.terms)]
    if isinstance(node, Filter):
        return [frozenset({("f", f"{node.field}:{node.value}".lower())})]
    if isinstance(node, And):
        parts = (requirements(p) for p in node.parts if not isinstance(p, Not))
        return list(dict.fromkeys(r for part in parts for r in part))
    if isinstance(node, Or):
        alternatives = [requirements(p) for p in node.parts]
        if not all(alternatives):
            return []
        return [frozenset().union(*(min(a, key=_rarity) for a in alternatives))]
    return []  # Not, or an empty query: matches by absence, so it is always a candidate


def _rarity(requirement: Requirement) -> tuple[int, int]:
    """Sort key, rarest first: words are rarer than concepts and filters (a language filter
    holds for a fifth of the stream, a taxonomy concept for many articles), long words rarer
    than short ones; each key of a requirement is one more way to meet it.
    """
    cost = sum(1 if kind == "t" else 20 for kind, _ in requirement)
    longest = max((len(value) for kind, value in requirement if kind == "t"), default=0)
    return cost, -longest


def anchors(node: Node | None) -> set[Key] | None:
    """Keys of which a matching document must hold at least one (the rarest requirement);
    None when no such set exists.
    """
    required = requirements(node)
    if not required:
        return None
    rarest: Requirement = min(required, key=_rarity)
    return set(rarest)


class Matcher:
    """Rules (any objects with a name) and their compiled queries.

    ``match`` returns the names that fire. The index is built once per rule set: a rule is
    found through the rarest two of its requirements (a pair of keys the document must both
    hold), or its only one; only the rules that require nothing are candidates for every
    document. An article's cost depends on the rules it may match, not on how many exist.
    """

    def __init__(self, queries: dict[str, Query]):
        self.queries = queries
        self._tests = {name: compiled(query) for name, query in queries.items()}
        self._pairs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._always: list[str] = []
        for name, query in queries.items():
            self._add(name, sorted(requirements(query.root), key=_rarity))
        # Plain dicts from here on: a lookup of a missing key must not add it.
        self._pairs = {key: dict(second) for key, second in self._pairs.items()}

    def _add(self, name: str, required: list[Requirement]) -> None:
        if not required:
            self._always.append(name)
        elif len(required) == 1 or len(required[0]) * len(required[1]) > MAX_PAIRS:
            for key in required[0]:
                self._pairs[index_key(key)][EVERYWHERE].append(name)
        else:
            for key in required[0]:
                for other in required[1]:
                    self._pairs[index_key(key)][index_key(other)].append(name)

    def __len__(self) -> int:
        return len(self.queries)

    def candidates(self, view: DocumentView) -> set[str]:
        """Rules that may match: those whose indexed key (or pair of keys) the document
        holds, and the ones that require nothing.
        """
        keys, pairs = view.found_by, self._pairs
        # dict.keys() & set walks the smaller side in C: an article's own keys, or the indexed
        # keys when there are few rules. Most first keys of a pair an article holds come without
        # the second: their intersections are all made (map, in C) before any Python loop, which
        # then runs only over the pairs the article holds.
        seconds = list(map(pairs.__getitem__, pairs.keys() & keys))
        held = list(map(and_, map(dict.keys, seconds), repeat(keys)))
        found = set(self._always)
        for second, others in compress(zip(seconds, held, strict=True), held):
            for other in others:
                found.update(second[other])
        return found

    def match(self, view: DocumentView) -> list[str]:
        """Names of the rules whose query matches the document, sorted."""
        tests = self._tests
        return sorted(n for n in self.candidates(view) if tests[n](view))
