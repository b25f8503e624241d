"""The search store contract: index tagged articles, search them with the user query language.

Implementations live in ``indexers/`` and are chosen by URL scheme in the composition root's
registry (``wiring.py``): ``sqlite:///path`` (FTS5, the embedded default),
``opensearch://host:port`` and ``elasticsearch://host:port``. One contract-test suite runs
against every one, and they must give the same answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import Query
from rasad.settings import Settings

FACETS = ("language", "country", "concept", "event", "source")


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query plus paging and ordering."""

    query: Query
    page: int = 1
    size: int = 10
    sort: Literal["relevance", "date"] = "relevance"
    facets: bool = True
    histogram: Literal["day", "week", "month"] | None = "day"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Hit:
    """One matching article, its score and HTML-escaped highlight fragments (``<mark>`` around matches)."""

    article: Article
    score: float
    highlights: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """A page of hits with the total, facet counts and a date histogram."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    histogram: list[tuple[str, int]] = field(default_factory=list)
    took_ms: float = 0.0


@dataclass
class IndexReport:
    """What a batch did: ids stored, and ids rejected with the reason (they go to the DLQ)."""

    indexed: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Maintenance:
    """What ``Store.maintain`` did: the layout now, old indices migrated, expired ones deleted."""

    layout: str
    migrated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class Store(ABC):
    """Where tagged articles are kept and searched."""

    url: str

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> Store:
        """The store at ``settings.store``; ``stemmer`` normalizes text the tagger did not (and highlights)."""

    @abstractmethod
    def setup(self) -> None:
        """Create or migrate the schema (idempotent): writers call it, readers need not."""

    def maintain(self) -> Maintenance:
        """``setup``, saying what it did (``rasad index maintain``; run from cron: idempotent)."""
        self.setup()
        return Maintenance(f"{self.url}: schema up to date")

    @abstractmethod
    def index(self, articles: list[Article]) -> IndexReport:
        """Store a batch; an article with an existing id replaces it (never a duplicate)."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """Run a query."""

    @abstractmethod
    def get(self, article_id: str) -> Article | None:
        """One article by id."""

    @abstractmethod
    def ids(self) -> list[str]:
        """Every stored id (an id stored twice would appear twice): for checks, not for big stores."""

    @abstractmethod
    def count(self) -> int:
        """How many articles are stored."""

    def refresh(self) -> None:
        """Make everything indexed so far searchable (a no-op where that is immediate)."""

    def close(self) -> None:
        """Release connections."""
