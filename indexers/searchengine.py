"""The store of the real stack's engines: articles behind the ``articles`` alias, in OpenSearch
or Elasticsearch (see ``indexers.mapping`` for the layout, ``indexers.lifecycle`` for
migrations and retention, ``indexers.dsl`` for queries).

Written once against ``rasad.engines.SearchEngine``; an engine's module (``indexers.opensearch``,
``indexers.elasticsearch``) names its client and the analyzers it has, nothing else. This
synchronous store serves search, the CLI and tests; the Faust indexer writes through
``indexers.bulk`` (async, retrying) into the same backing indices.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, ClassVar

from indexers import lifecycle
from indexers.dsl import aggregated, aggregation_body, facets, histogram, scan_body, search_bodies
from indexers.mapping import MAPPING_VERSION, Analysis, action, index_template
from rasad.addresses import StoreAddress
from rasad.engines import EngineError, SearchEngine
from rasad.errors import BadInput, StoreError
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.query import Query
from rasad.settings import Settings
from rasad.store import (
    Aggregated,
    AggregationRequest,
    Hit,
    IndexReport,
    Maintenance,
    SearchRequest,
    SearchResult,
    Store,
)

# Readers never create the alias (writers do, in ``setup``): before the first article is indexed
# there is nothing to find, which is an empty answer, not an error.
_MAYBE_MISSING = {"ignore_unavailable": True, "allow_no_indices": True}


class SearchEngineStore(Store):
    """Articles in a search engine, behind an alias over monthly backing indices."""

    engine_class: ClassVar[type[SearchEngine]]
    analysis: ClassVar[Analysis]

    @classmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> SearchEngineStore:
        return cls(
            settings.store,
            stemmer,
            alias=settings.index_alias,
            timeout=settings.store_timeout,
            retention_months=settings.index_retention_months,
        )

    def __init__(
        self,
        address: StoreAddress,
        stemmer: Stemmer,
        alias: str = "articles",
        timeout: float = 30,
        retention_months: int = 0,
    ):
        self.url = str(address)
        self.address = address
        self.stemmer = stemmer
        self.alias = alias
        self.retention_months = retention_months
        self.engine = self.engine_class(address, timeout)
        self._ensured: set[str] = set()

    def setup(self) -> None:
        """Template, migrations and the alias (idempotent); expired months are dropped."""
        self.maintain()

    def maintain(self) -> Maintenance:
        try:
            template = index_template(self.alias, self.analysis)
            migrated = lifecycle.setup(self.engine, self.alias, template)
            deleted = lifecycle.apply_retention(self.engine, self.alias, self.retention_months)
            indices = self.engine.aliased(self.alias)
        except EngineError as exc:
            raise StoreError(f"{self.engine.name} setup at {self.url} failed: {exc}") from exc
        return Maintenance(
            f"alias {self.alias}: mapping v{MAPPING_VERSION}, {len(indices)} backing index(es)",
            migrated,
            deleted,
        )

    def index(self, articles: list[Article]) -> IndexReport:
        actions = [action(self.alias, a, self.stemmer) for a in articles]
        report = IndexReport()
        for name in {a["_index"] for a in actions} - self._ensured:
            lifecycle.ensure_index(self.engine, self.alias, name)
            self._ensured.add(name)
        for ok, item in self.engine.streaming_bulk(actions):
            info = item.get("index", {})
            if ok:
                report.indexed.append(info.get("_id"))
            else:
                report.rejected.append((info.get("_id"), str(info.get("error"))))
        return report

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        page, counts = search_bodies(request)
        responses = self.engine.msearch(
            [
                {"index": self.alias, **_MAYBE_MISSING},
                page,
                {"index": self.alias, "request_cache": True, **_MAYBE_MISSING},
                counts,
            ]
        )
        errors = [r for r in responses if "error" in r]
        if errors:
            if all(r.get("status") == 400 for r in errors):  # the query itself was refused
                raise BadInput(f"{self.engine.name} cannot run this query: {_reason(errors[0])}")
            raise StoreError(f"search failed: {errors[0]['error']}")
        page_response, counts_response = responses
        words = set(request.query.words)
        hits = []
        for h in page_response["hits"]["hits"]:
            article = Article.model_validate(h["_source"]["article"])
            marks = fragments(
                article.body,
                words,
                self.stemmer.stem,
                extra=concept_spans(article, request.query.concepts),
            )
            hits.append(Hit(article, float(h.get("_score") or 0.0), marks))
        aggs = counts_response.get("aggregations", {})
        return SearchResult(
            counts_response["hits"]["total"]["value"],
            hits,
            facets(aggs),
            histogram(aggs),
            (time.perf_counter() - started) * 1000,
        )

    def aggregate(self, request: AggregationRequest) -> Aggregated:
        started = time.perf_counter()
        response = self.engine.search(
            self.alias, aggregation_body(request), missing_ok=True, request_cache=True
        )
        result = aggregated(request, response.get("aggregations", {}))
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def scan(self, query: Query, batch: int = 500) -> Iterator[Article]:
        body = {**scan_body(query), "size": batch}
        while True:
            hits = self.engine.search(self.alias, body, missing_ok=True)["hits"]["hits"]
            for h in hits:
                yield Article.model_validate(h["_source"]["article"])
            if len(hits) < batch:
                return
            body["search_after"] = hits[-1]["sort"]

    def get(self, article_id: str) -> Article | None:
        body = {"query": {"ids": {"values": [article_id]}}, "_source": ["article"]}
        hits = self.engine.search(self.alias, body, missing_ok=True)["hits"]["hits"]
        return Article.model_validate(hits[0]["_source"]["article"]) if hits else None

    def count(self) -> int:
        return self.engine.count(self.alias)

    def ids(self) -> list[str]:
        """Every stored id, with repeats if an id were stored twice (for checks and benchmarks)."""
        hits = self.engine.scan(self.alias, {"_source": False}, missing_ok=True)
        return [h["_id"] for h in hits]

    def refresh(self) -> None:
        self.engine.refresh(self.alias)

    def drop(self) -> None:
        """Delete every backing index of the alias, and the alias with them (tests, benchmarks)."""
        self.engine.delete_indices(self.engine.aliased(self.alias))

    def close(self) -> None:
        self.engine.close()


def _reason(response: dict[str, Any]) -> str:
    """The first root cause of an error answer, in one line."""
    error = response.get("error") or {}
    causes = (error.get("root_cause") or [error]) if isinstance(error, dict) else [{}]
    return str(causes[0].get("reason") or error)[:300]
