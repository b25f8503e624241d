"""The user query language, parsed once into a small tree that every store and the alert
matcher interpret the same way.

Syntax: words and "quoted phrases" (all must match by default); ``OR``; ``AND``; ``NOT`` or a
leading ``-`` to exclude; ``+`` to require; parentheses; field filters ``lang:ar``,
``country:SY``, ``concept:Q2429253``, ``type:airstrike``, ``actor:…``, ``place:…``,
``source:…``, ``story:…``; date bounds ``since:2015-09-01`` and ``until:2015-10-31``.
Words are normalized like documents (by the lexicon's ``Stemmer``), so Arabic clitics,
diacritics and spelling of hamza/alef do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from rasad.concepts import Lexicon
from rasad.errors import BadInput
from rasad.normalize import Stemmer

FILTER_NAMES = ("lang", "country", "concept", "type", "actor", "place", "source", "story")
DATE_FIELDS = ("since", "until")
MAX_DEPTH = 32  # nesting of parentheses and NOT: the parser recurses once per level
# Words, phrases and filters in one query: each becomes several clauses in a search engine
# (OpenSearch refuses more than 1,024), and no analyst writes a hundred.
MAX_TERMS = 100
_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|([+-]?)"([^"]*)"?|([+-]?)([^\s()"]+))')


@dataclass(frozen=True)
class Term:
    """A word; ``terms`` is its normalized form; ``concepts`` the ids of concepts it names.

    ``quoted``: written in quotes, so meant literally (never expanded to a concept, never
    ranked down when the tagger rejected it).
    """

    text: str
    terms: tuple[str, ...]
    concepts: tuple[str, ...] = ()
    quoted: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order (or, if they name a concept, that concept)."""

    text: str
    terms: tuple[str, ...]
    concepts: tuple[str, ...] = ()
    quoted: bool = False


@dataclass(frozen=True)
class Filter:
    """``field:value`` on a keyword field (case-insensitive value)."""

    field: str
    value: str


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | Phrase | Filter | And | Or | Not


@dataclass(frozen=True)
class Query:
    """A parsed query: the boolean tree (None matches everything) and the date bounds."""

    text: str
    root: Node | None
    since: datetime | None = None
    until: datetime | None = None
    words: tuple[str, ...] = field(default=())  # normalized terms to highlight
    concepts: tuple[str, ...] = field(
        default=()
    )  # concept ids the words name (their spans highlight too)
    strict: bool = False  # see ``parse``: literal matches the tagger rejected do not count


def parse(text: str, lexicon: Lexicon, expand: bool = True, strict: bool = False) -> Query:
    """Parse a user query; raise ``BadInput`` with a clear message when it cannot be read.

    Words are stemmed by the lexicon's stemmer, and an unquoted word or phrase that names a
    concept also matches that concept's id (cross-lingual expansion: "ISIS" finds articles
    tagged Q2429253 that only say داعش); a quoted one (``"Isis"``) is meant literally and is not
    expanded; ``expand=False`` matches words only. Where the tagger rejected the word as that
    concept (Isis the actress: ``Article.rejections``), the literal match ranks below concept
    matches, and with ``strict`` (alerts) it does not match at all. Nesting (parentheses, NOT)
    deeper than ``MAX_DEPTH``, and more than ``MAX_TERMS`` words and filters, are refused.
    """
    tokens, since, until = _take_dates(_tokens(text))
    terms = sum(1 for kind, _ in tokens if kind not in ("(", ")", "AND", "OR", "NOT"))
    if terms > MAX_TERMS:
        raise BadInput(
            f"query of {terms} words and filters: at most {MAX_TERMS}", reason="bad_query"
        )
    parser = _Parser(tokens, lexicon.stemmer)
    root = parser.expression()
    if expand:
        root = _expand(root, lexicon)
    leftover = parser.peek()
    if leftover is not None:
        raise BadInput(f"unexpected {leftover[1]!r} in query", reason="bad_query")
    named = tuple(dict.fromkeys(c for node in positive_leaves(root) for c in node.concepts))
    return Query(
        text, root, since, until, tuple(dict.fromkeys(_highlight_terms(root))), named, strict
    )


def _take_dates(
    tokens: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], datetime | None, datetime | None]:
    """since:/until: bound the whole query wherever they are written."""
    since = until = None
    kept = []
    for kind, value in tokens:
        name, colon, arg = value.partition(":")
        if kind == "word" and colon and name.lower() in DATE_FIELDS:
            bound = _parse_date(arg, end=name.lower() == "until")
            since, until = (bound, until) if name.lower() == "since" else (since, bound)
        else:
            kept.append((kind, value))
    return kept, since, until


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise BadInput(f"cannot read query at {text[pos : pos + 20]!r}", reason="bad_query")
        pos = m.end()
        if m.group(1):
            out.append(("(", "("))
        elif m.group(2):
            out.append((")", ")"))
        elif m.group(4) is not None:
            out.append((m.group(3) + "phrase", m.group(4)))
        elif m.group(6) in ("AND", "OR", "NOT") and not m.group(5):
            out.append((m.group(6), m.group(6)))
        elif m.group(6) in ("&&", "||"):
            out.append(("AND" if m.group(6) == "&&" else "OR", m.group(6)))
        else:
            out.append((m.group(5) + "word", m.group(6)))
    return out


class _Parser:
    """expression := and (OR and)* ; and := unary ((AND)? unary)* ; unary := NOT unary | atom."""

    def __init__(self, tokens: list[tuple[str, str]], stemmer: Stemmer):
        self.tokens = tokens
        self.stemmer = stemmer
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expression(self) -> Node | None:
        parts = [self.conjunction()]
        while (token := self.peek()) and token[0] == "OR":
            self.take()
            parts.append(self.conjunction())
        return _combine(Or, [p for p in parts if p is not None])

    def conjunction(self) -> Node | None:
        parts: list[Node] = []
        while (token := self.peek()) and token[0] not in ("OR", ")"):
            if token[0] == "AND":
                self.take()
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        return _combine(And, parts)

    def unary(self) -> Node | None:
        kind, value = self.take()
        if kind in ("NOT", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise BadInput(
                    f"query nests deeper than {MAX_DEPTH} levels of parentheses or NOT",
                    reason="bad_query",
                )
            try:
                return self._nested(kind)
            finally:
                self.depth -= 1
        if kind == ")":
            raise BadInput("unbalanced parenthesis in query", reason="bad_query")
        sign, base = (kind[0], kind[1:]) if kind[0] in "+-" else ("", kind)
        node = _atom(base, value, self.stemmer)
        if node is None:
            return None
        return Not(node) if sign == "-" else node

    def _nested(self, kind: str) -> Node | None:
        if kind == "NOT":
            if self.peek() is None:
                raise BadInput(
                    "NOT at the end of the query has nothing to exclude", reason="bad_query"
                )
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if kind == "(":
            inner = self.expression()
            if not self.peek() or self.take()[0] != ")":
                raise BadInput("unbalanced parenthesis in query", reason="bad_query")
        return inner


def _atom(kind: str, value: str, stemmer: Stemmer) -> Node | None:
    if kind == "phrase":
        words = tuple(stemmer.terms(value))
        if not words:
            return None
        return (
            Term(value, words, quoted=True)
            if len(words) == 1
            else Phrase(value, words, quoted=True)
        )
    name, colon, arg = value.partition(":")
    if colon and name.lower() in FILTER_NAMES and arg:
        return Filter(name.lower(), canonical_filter(name.lower(), arg.strip('"')))
    if colon and name.isalpha() and arg and not name.lower().startswith("http"):
        known = ", ".join(FILTER_NAMES + DATE_FIELDS)
        raise BadInput(f"unknown filter {name!r}: use one of {known}", reason="bad_query")
    words = tuple(stemmer.terms(value))
    if not words:
        return None
    return Term(value, words) if len(words) == 1 else Phrase(value, words)


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return kind(tuple(parts))


def _parse_date(value: str, end: bool) -> datetime:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(
            f"bad date {value!r}: use YYYY-MM-DD or an ISO timestamp", reason="bad_query"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _expand(node: Node | None, lexicon: Lexicon) -> Node | None:
    if isinstance(node, (Term, Phrase)):
        ids = () if node.quoted else tuple(c.id for c in lexicon.lookup(node.terms))
        return replace(node, concepts=ids) if ids else node
    if isinstance(node, And):
        return _combine(
            And, _group_concept_words([_expanded(p, lexicon) for p in node.parts], lexicon)
        )
    if isinstance(node, Or):
        return Or(tuple(_expanded(p, lexicon) for p in node.parts))
    if isinstance(node, Not):
        return Not(_expanded(node.part, lexicon))
    return node


def _expanded(node: Node, lexicon: Lexicon) -> Node:
    """``_expand`` of a node that exists (expansion never removes one)."""
    expanded = _expand(node, lexicon)
    assert expanded is not None
    return expanded


def _group_concept_words(parts: list[Node], lexicon: Lexicon) -> list[Node]:
    """Unquoted words that together name a concept (État islamique) also match that concept.

    The run of words becomes ``(all the words) OR (the concept)``: nothing the plain words
    matched is lost, and the concept adds articles that name it in another language.
    """
    out: list[Node] = []
    i = 0
    while i < len(parts):
        for n in range(min(lexicon.max_form_length, len(parts) - i), 1, -1):
            run = [p for p in parts[i : i + n] if isinstance(p, Term) and not p.quoted]
            if len(run) < n:
                continue
            words = tuple(t for p in run for t in p.terms)
            ids = tuple(c.id for c in lexicon.lookup(words))
            if ids:
                text = " ".join(p.text for p in run)
                out.append(Or((And(tuple(run)), Phrase(text, words, ids))))
                i += n
                break
        else:
            out.append(parts[i])
            i += 1
    return out


def canonical_filter(field_name: str, value: str) -> str:
    """The form a filter value is stored and compared in: country codes
    upper, QIDs upper, rest lower.
    """
    value = value.strip()
    if field_name == "country" or (len(value) > 1 and value[0] in "qQ" and value[1:].isdigit()):
        return value.upper()
    if field_name in ("concept", "actor", "place") and len(value) == 2 and value.isalpha():
        return value.upper()  # a country id used as a concept
    return value.lower()


def guarded(node: Term | Phrase) -> tuple[str, ...]:
    """The concepts whose rejection by the tagger demotes (or, strict,
    drops) the leaf's literal match.
    """
    return () if node.quoted else node.concepts


def positive_leaves(node: Node | None) -> list[Term | Phrase]:
    """The words and phrases of a tree that are not negated (what ranking and highlights use)."""
    if isinstance(node, (Term, Phrase)):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for part in node.parts for leaf in positive_leaves(part)]
    return []


def _highlight_terms(node: Node | None) -> list[str]:
    if isinstance(node, (Term, Phrase)):
        return list(node.terms)
    if isinstance(node, (And, Or)):
        return [t for part in node.parts for t in _highlight_terms(part)]
    return []
