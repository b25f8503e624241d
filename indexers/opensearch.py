"""The OpenSearch store: articles behind the ``articles`` alias (see ``indexers.mapping`` for the
layout, ``indexers.lifecycle`` for migrations and retention, ``indexers.dsl`` for queries).

This synchronous store serves search, the CLI and tests; the Faust indexer writes through
``indexers.bulk`` (async, retrying) into the same backing indices.
"""

from __future__ import annotations

import time

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import OpenSearchException

from indexers import lifecycle
from indexers.dsl import facets, histogram, search_bodies
from indexers.mapping import action
from rasad.addresses import StoreAddress
from rasad.errors import BadInput, StoreError
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.normalize import Stemmer
from rasad.settings import Settings
from rasad.store import Hit, IndexReport, SearchRequest, SearchResult, Store


def client_for(address: StoreAddress, timeout: float = 30) -> OpenSearch:
    """A synchronous client for the OpenSearch at ``address`` (TLS and basic auth as it says)."""
    return OpenSearch(timeout=timeout, **address.client_options())


# Readers never create the alias (writers do, in ``setup``): before the first article is indexed
# there is nothing to find, which is an empty answer, not an error.
_MAYBE_MISSING = {"ignore_unavailable": "true", "allow_no_indices": "true"}


class OpenSearchStore(Store):
    """Articles in OpenSearch behind an alias over monthly backing indices."""

    @classmethod
    def from_settings(cls, settings: Settings, stemmer: Stemmer) -> OpenSearchStore:
        return cls(
            settings.store,
            stemmer,
            alias=settings.index_alias,
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
        self.client = client_for(address, timeout)
        self._ensured: set[str] = set()

    def setup(self) -> None:
        """Template, migrations and the alias (idempotent); expired months are dropped."""
        try:
            lifecycle.setup(self.client, self.alias)
            lifecycle.apply_retention(self.client, self.alias, self.retention_months)
        except OpenSearchException as exc:
            raise StoreError(f"OpenSearch setup at {self.url} failed: {exc}") from exc

    def index(self, articles: list[Article]) -> IndexReport:
        actions = [action(self.alias, a, self.stemmer) for a in articles]
        report = IndexReport()
        try:
            for name in {a["_index"] for a in actions} - self._ensured:
                lifecycle.ensure_index(self.client, self.alias, name)
                self._ensured.add(name)
            for ok, item in helpers.streaming_bulk(
                self.client,
                actions,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=3,
                initial_backoff=0.5,
            ):
                info = item.get("index", {})
                if ok:
                    report.indexed.append(info.get("_id"))
                else:
                    report.rejected.append((info.get("_id"), str(info.get("error"))))
        except OpenSearchException as exc:
            raise StoreError(f"bulk index failed: {exc}") from exc
        return report

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        page, counts = search_bodies(request)
        try:
            responses = self.client.msearch(
                body=[
                    {"index": self.alias, **_MAYBE_MISSING},
                    page,
                    {"index": self.alias, "request_cache": True, **_MAYBE_MISSING},
                    counts,
                ]
            )["responses"]
        except OpenSearchException as exc:
            raise StoreError(f"search failed: {exc}") from exc
        errors = [r for r in responses if "error" in r]
        if errors:
            if all(r.get("status") == 400 for r in errors):  # the query itself was refused
                raise BadInput(f"OpenSearch cannot run this query: {_reason(errors[0])}")
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

    def get(self, article_id: str) -> Article | None:
        try:
            response = self.client.search(
                index=self.alias,
                body={"query": {"ids": {"values": [article_id]}}, "_source": ["article"]},
                params=_MAYBE_MISSING,
            )
        except OpenSearchException as exc:
            raise StoreError(f"get failed: {exc}") from exc
        hits = response["hits"]["hits"]
        return Article.model_validate(hits[0]["_source"]["article"]) if hits else None

    def count(self) -> int:
        try:
            return int(self.client.count(index=self.alias, params=_MAYBE_MISSING)["count"])
        except OpenSearchException as exc:
            raise StoreError(f"count failed: {exc}") from exc

    def ids(self) -> list[str]:
        """Every stored id, with repeats if an id were stored twice (for checks and benchmarks)."""
        try:
            return [
                h["_id"]
                for h in helpers.scan(
                    self.client, index=self.alias, query={"_source": False}, size=1000
                )
            ]
        except OpenSearchException as exc:
            raise StoreError(f"scan failed: {exc}") from exc

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def close(self) -> None:
        self.client.close()


def _reason(response: dict) -> str:
    """The first root cause of an error answer, in one line."""
    error = response.get("error") or {}
    causes = error.get("root_cause") or [error] if isinstance(error, dict) else [{}]
    return str(causes[0].get("reason") or error)[:300]
