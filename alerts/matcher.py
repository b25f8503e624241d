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
from dataclasses import dataclass, field, replace
from datetime import datetime

from rasad.document import FILTER_FIELDS
from rasad.query import And, Filter, Node, Not, Or, Phrase, Query, Term, guarded

Key = tuple[str, str]  # ("t", term) | ("c", concept id) | ("f", "field:value"), lowercased


@dataclass
class DocumentView:
    """What matching needs from a search document, prepared once per article."""

    terms: tuple[str, ...]
    keys: set[Key]
    date: datetime | None
    positions: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: dict) -> DocumentView:
        terms = tuple(doc["text_norm"].split())
        positions: dict[str, list[int]] = defaultdict(list)
        for i, term in enumerate(terms):
            positions[term].append(i)
        keys: set[Key] = {("t", t) for t in positions}
        keys |= {("c", c.lower()) for c in doc.get("concepts", ())}
        keys |= {("r", c.lower()) for c in doc.get("rejected", ())}
        for name, doc_field in FILTER_FIELDS.items():
            value = doc.get(doc_field)
            for v in value if isinstance(value, list) else [value] if value else []:
                keys.add(("f", f"{name}:{v}".lower()))
        date = datetime.fromisoformat(doc["date"]) if doc.get("date") else None
        return cls(terms, keys, date, positions)

    def has_phrase(self, words: tuple[str, ...]) -> bool:
        for start in self.positions.get(words[0], ()):
            if self.terms[start : start + len(words)] == words:
                return True
        return False


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
        concepts = tuple(("c", c.lower()) for c in node.concepts)
        rejected = tuple(("r", c.lower()) for c in guarded(node)) if strict else ()
        if rejected:
            literal = _compile(replace(node, concepts=()))
            return lambda view: (
                any(c in view.keys for c in concepts)
                or (literal(view) and not any(r in view.keys for r in rejected))
            )
        if len(node.terms) == 1:
            key = ("t", node.terms[0])
            if not concepts:
                return lambda view: key in view.keys
            return lambda view: key in view.keys or any(c in view.keys for c in concepts)
        words = tuple(node.terms)
        return lambda view: view.has_phrase(words) or any(c in view.keys for c in concepts)
    if isinstance(node, Filter):
        key = ("f", f"{node.field}:{node.value}".lower())
        return lambda view: key in view.keys
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


def anchors(node: Node | None) -> set[Key] | None:
    """Keys of which a matching document must hold at least one; None when no such set exists."""
    if isinstance(node, (Term, Phrase)):
        # For a phrase the rarest word would be best; the longest is a cheap stand-in for it.
        return {("t", max(node.terms, key=len))} | {("c", c.lower()) for c in node.concepts}
    if isinstance(node, Filter):
        return {("f", f"{node.field}:{node.value}".lower())}
    if isinstance(node, And):
        options = [
            a for a in (anchors(p) for p in node.parts if not isinstance(p, Not)) if a is not None
        ]
        return min(options, key=len) if options else None
    if isinstance(node, Or):
        alternatives = [anchors(p) for p in node.parts]
        anchored = [a for a in alternatives if a is not None]
        return set().union(*anchored) if len(anchored) == len(alternatives) else None
    return None  # Not, or an empty query: matches by absence, so it is always a candidate


class Matcher:
    """Rules (any objects with a name) and their compiled queries.

    ``match`` returns the names that fire.
    """

    def __init__(self, queries: dict[str, Query]):
        self.queries = queries
        self._tests = {name: compiled(query) for name, query in queries.items()}
        self._index: dict[Key, list[str]] = defaultdict(list)
        self._always: list[str] = []
        for name, query in queries.items():
            keys = anchors(query.root)
            if keys is None:
                self._always.append(name)
            else:
                for key in keys:
                    self._index[key].append(name)

    def __len__(self) -> int:
        return len(self.queries)

    def candidates(self, view: DocumentView) -> set[str]:
        """Rules that may match: those anchored on a key the
        document has, and the unanchored ones.
        """
        found = set(self._always)
        index = self._index
        # Iterate the smaller side: few rules on a long article, or many rules on a short one.
        if len(index) < len(view.keys):
            for key, names in index.items():
                if key in view.keys:
                    found.update(names)
        else:
            for key in view.keys:
                anchored_here = index.get(key)
                if anchored_here:
                    found.update(anchored_here)
        return found

    def match(self, view: DocumentView) -> list[str]:
        """Names of the rules whose query matches the document, sorted."""
        tests = self._tests
        return sorted(n for n in self.candidates(view) if tests[n](view))
