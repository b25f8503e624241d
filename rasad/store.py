"""The search store contract: index tagged articles, search them with the user query language.

Implementations live in ``indexers/`` and are chosen by URL scheme in the composition root's
registry (``wiring.py``): ``sqlite:///path`` (FTS5, the embedded default),
``opensearch://host:port`` and ``elasticsearch://host:port``. One contract-test suite runs
against every one, and they must give the same answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from rasad.document import TERMS_FIELDS
from rasad.errors import BadInput
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import Node, Query
from rasad.settings import Settings

FACETS = ("language", "country", "concept", "event", "source")
# Time fields an aggregation can bucket and bound: the article's date (published, else
# ingested) or when Rasad received it (the axis of a live view).
TimeField = Literal["date", "ingested_at"]
TIME_FIELDS: tuple[TimeField, ...] = ("date", "ingested_at")
MAX_BUCKETS = 20_000  # of one histogram (OpenSearch refuses 65,536 buckets per request)


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
    """One matching article, its score and HTML-escaped highlight
    fragments (``<mark>`` around matches).
    """

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


@dataclass(frozen=True)
class DateHistogram:
    """Counts per fixed interval of the time field: every bucket of the request's range.

    Buckets start at multiples of ``seconds`` since the epoch (UTC), like OpenSearch's fixed
    intervals; a request without both bounds gets only the buckets that hold articles.
    """

    seconds: int
    filter: Node | None = None


@dataclass(frozen=True)
class Terms:
    """The ``size`` most frequent values of a keyword field (by count, then value)."""

    field: str
    size: int = 10
    filter: Node | None = None

    def __post_init__(self) -> None:
        if self.field not in TERMS_FIELDS:
            raise ValueError(f"cannot count {self.field!r}: use one of {', '.join(TERMS_FIELDS)}")


@dataclass(frozen=True)
class Count:
    """How many articles match."""

    filter: Node | None = None


@dataclass(frozen=True)
class Latest:
    """The ``size`` newest articles by the time field (a saved-search table, a live feed)."""

    size: int = 10
    filter: Node | None = None


Aggregation = DateHistogram | Terms | Count | Latest


@dataclass(frozen=True)
class AggregationRequest:
    """Named aggregations over the articles a query selects, within a range of a time field.

    Each aggregation may narrow the selection further by its own ``filter`` (a query tree).
    ``exclude`` leaves articles out by id: a live view counts articles it has just seen on the
    bus apart, until the store has them too.
    """

    query: Query
    aggregations: Mapping[str, Aggregation]
    time_field: TimeField = "date"
    since: datetime | None = None
    until: datetime | None = None
    exclude: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not (self.since and self.until):
            return
        span = (self.until - self.since).total_seconds()
        for name, agg in self.aggregations.items():
            if isinstance(agg, DateHistogram) and span / agg.seconds > MAX_BUCKETS:
                raise BadInput(
                    f"{name}: {agg.seconds}s buckets over {span:.0f}s would be more than "
                    f"{MAX_BUCKETS} buckets; choose a longer interval",
                    reason="bad_request",
                )


@dataclass
class Aggregated:
    """The answer to an ``AggregationRequest``, by aggregation name.

    ``buckets``: (key, count) pairs of histograms (key: ISO 8601 UTC start of the bucket,
    ``YYYY-MM-DDTHH:MM:SSZ``), terms and counts (key ``"count"``); ``articles``: ``Latest``'s.
    """

    buckets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    articles: dict[str, list[Article]] = field(default_factory=dict)
    took_ms: float = 0.0


def bucket_key(epoch_seconds: float) -> str:
    """A histogram bucket's key: its start as ISO 8601 UTC to the second (``…Z``)."""
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bucket_starts(since: datetime, until: datetime, seconds: int) -> list[int]:
    """Epoch starts of the fixed ``seconds`` buckets from the one
    holding ``since`` to ``until``'s.
    """
    first = int(since.timestamp()) // seconds * seconds
    last = int(until.timestamp()) // seconds * seconds
    return list(range(first, last + 1, seconds))


class Store(ABC):
    """Where tagged articles are kept and searched."""

    url: str

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> Store:
        """The store at ``settings.store``.

        ``stemmer`` normalizes text the tagger did not (and highlights).
        """

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
    def aggregate(self, request: AggregationRequest) -> Aggregated:
        """Run named aggregations (dashboards' panels) over one selection."""

    @abstractmethod
    def scan(self, query: Query) -> Iterator[Article]:
        """Every article the query selects, newest first (by date; the undated last): exports.

        Streams in batches: memory stays flat however many articles match.
        """

    @abstractmethod
    def get(self, article_id: str) -> Article | None:
        """One article by id."""

    @abstractmethod
    def ids(self) -> list[str]:
        """Every stored id (an id stored twice would appear twice):
        for checks, not for big stores.
        """

    @abstractmethod
    def count(self) -> int:
        """How many articles are stored."""

    def refresh(self) -> None:  # noqa: B027 - an optional hook: a no-op unless overridden
        """Make everything indexed so far searchable (a no-op where that is immediate)."""

    def close(self) -> None:  # noqa: B027 - an optional hook: a no-op unless overridden
        """Release connections."""
