"""The OpenSearch store: an index template, an alias over time-based indices, and the query tree
translated to bool queries over the project's normalized text and keyword fields."""
from __future__ import annotations

import time

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import OpenSearchException, TransportError

from rasad.document import FILTER_FIELDS, LANGUAGE_FIELDS, document
from rasad.errors import StoreError
from rasad.highlight import concept_spans, fragments
from rasad.model import Article
from rasad.query import And, Filter, Node, Not, Or, Phrase, Term
from rasad.store import Hit, IndexReport, SearchRequest, SearchResult, Store

MAPPING_VERSION = 1
_ANALYZERS = {"ar": "arabic", "en": "english", "fr": "french", "ru": "russian", "tr": "turkish"}
_KEYWORDS = ("id", "language", "source", "source_key", "story_id", "url", "concepts", "countries", "events",
             "actors", "places", "keywords", "labels")
_FACET_FIELDS = {"language": "language", "country": "countries", "concept": "actors", "event": "events", "source": "source"}


def index_template(alias: str) -> dict:
    """The template every backing index of ``alias`` is created from."""
    properties: dict = {name: {"type": "keyword"} for name in _KEYWORDS}
    properties.update({
        "title": {"type": "text"},
        "text": {"type": "text"},
        "text_norm": {"type": "text", "analyzer": "rasad_norm"},
        "date": {"type": "date"}, "published_at": {"type": "date"}, "ingested_at": {"type": "date"},
        "locations": {"type": "geo_point"},
        "article": {"type": "object", "enabled": False},
    })
    properties.update({f"text_{lang}": {"type": "text", "analyzer": analyzer} for lang, analyzer in _ANALYZERS.items()})
    return {
        "index_patterns": [f"{alias}-*"],
        "template": {
            "settings": {
                "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s",
                # Text arrives already normalized by rasad.normalize; split on spaces only.
                "analysis": {"analyzer": {"rasad_norm": {"type": "custom", "tokenizer": "whitespace"}}},
            },
            "mappings": {"dynamic": "strict", "_meta": {"rasad_mapping_version": MAPPING_VERSION},
                         "properties": properties},
        },
        "version": MAPPING_VERSION,
    }


class OpenSearchStore(Store):
    """Articles in OpenSearch behind the ``articles`` alias."""

    def __init__(self, hosts: list[str], alias: str = "articles", timeout: float = 30):
        self.url = "opensearch://" + ",".join(hosts)
        self.alias = alias
        self.client = OpenSearch(hosts=[f"http://{h}" for h in hosts], timeout=timeout)

    def setup(self) -> None:
        try:
            self.client.indices.put_index_template(name=f"{self.alias}-template", body=index_template(self.alias))
            if not self.client.indices.exists_alias(name=self.alias):
                self.client.indices.create(index=f"{self.alias}-000001",
                                           body={"aliases": {self.alias: {"is_write_index": True}}})
        except TransportError as exc:
            if "resource_already_exists" not in str(exc):
                raise StoreError(f"OpenSearch setup failed: {exc}") from exc
        except OpenSearchException as exc:
            raise StoreError(f"OpenSearch at {self.url} is not reachable: {exc}") from exc

    def index(self, articles: list[Article]) -> IndexReport:
        actions = [{"_op_type": "index", "_index": self.alias, "_id": a.id,
                    "_source": {**document(a), "article": a.model_dump(mode="json", exclude_none=True)}}
                   for a in articles]
        report = IndexReport()
        try:
            for ok, item in helpers.streaming_bulk(self.client, actions, raise_on_error=False, raise_on_exception=False,
                                                   max_retries=3, initial_backoff=0.5):
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
        body = self._body(request)
        try:
            response = self.client.search(index=self.alias, body=body)
        except OpenSearchException as exc:
            raise StoreError(f"search failed: {exc}") from exc
        words = set(request.query.words)
        hits = []
        for h in response["hits"]["hits"]:
            article = Article.model_validate(h["_source"]["article"])
            hits.append(Hit(article, float(h.get("_score") or 0.0), fragments(article.body, words, extra=concept_spans(article, request.query.concepts))))
        aggs = response.get("aggregations", {})
        facets = {name: [(b["key"], b["doc_count"]) for b in aggs[name]["buckets"]] for name in _FACET_FIELDS if name in aggs}
        histogram = [(b["key_as_string"], b["doc_count"]) for b in aggs.get("histogram", {}).get("buckets", []) if b["doc_count"]]
        total = response["hits"]["total"]["value"]
        return SearchResult(total, hits, facets, histogram, (time.perf_counter() - started) * 1000)

    def _body(self, request: SearchRequest) -> dict:
        query = request.query
        must = [to_dsl(query.root)] if query.root is not None else [{"match_all": {}}]
        if query.since or query.until:
            bounds = {k: v.isoformat() for k, v in (("gte", query.since), ("lte", query.until)) if v}
            must.append({"range": {"date": bounds}})
        scoring = [{"multi_match": {"query": query.text, "fields": [f"text_{lang}" for lang in LANGUAGE_FIELDS]}}]
        body: dict = {
            "query": {"bool": {"must": must, "should": scoring if query.root is not None else []}},
            "from": request.offset, "size": request.size, "track_total_hits": True,
            "_source": ["article"],
        }
        if request.sort == "date" or query.root is None:
            body["sort"] = [{"date": {"order": "desc", "missing": "_last"}}, "_score"]
        aggs = {}
        if request.facets:
            aggs = {name: {"terms": {"field": field, "size": 20}} for name, field in _FACET_FIELDS.items()}
        if request.histogram:
            aggs["histogram"] = {"date_histogram": {"field": "date", "calendar_interval": request.histogram,
                                                    "format": {"day": "yyyy-MM-dd", "week": "YYYY-'W'ww", "month": "yyyy-MM"}[request.histogram]}}
        if aggs:
            body["aggs"] = aggs
        return body

    def get(self, article_id: str) -> Article | None:
        try:
            response = self.client.search(index=self.alias, body={"query": {"ids": {"values": [article_id]}},
                                                                  "_source": ["article"]})
        except OpenSearchException as exc:
            raise StoreError(f"get failed: {exc}") from exc
        hits = response["hits"]["hits"]
        return Article.model_validate(hits[0]["_source"]["article"]) if hits else None

    def count(self) -> int:
        try:
            return int(self.client.count(index=self.alias)["count"])
        except OpenSearchException as exc:
            raise StoreError(f"count failed: {exc}") from exc

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def close(self) -> None:
        self.client.close()


def to_dsl(node: Node) -> dict:
    """The OpenSearch query for a query tree node."""
    if isinstance(node, Term):
        should = [{"match": {"text_norm": {"query": node.terms[0]}}}]
        return _with_concepts(should, node.concepts)
    if isinstance(node, Phrase):
        should = [{"match_phrase": {"text_norm": " ".join(node.terms)}}]
        return _with_concepts(should, node.concepts)
    if isinstance(node, Filter):
        return {"term": {FILTER_FIELDS[node.field]: node.value}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_dsl(node.part)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [to_dsl(p) for p in node.parts], "minimum_should_match": 1}}
    if isinstance(node, And):
        return {"bool": {"must": [to_dsl(p) for p in node.parts]}}
    raise TypeError(f"unknown query node {node!r}")


def _with_concepts(should: list[dict], concepts: tuple[str, ...]) -> dict:
    if concepts:
        should.append({"terms": {"concepts": list(concepts)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}
