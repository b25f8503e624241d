"""The layout of the ``articles`` alias: a versioned index template and monthly backing indices.

The same in OpenSearch and Elasticsearch, but for the analyzers each engine has (``Analysis``).

Backing indices are named ``{alias}-v{MAPPING_VERSION}-{YYYY.MM}`` after the month of the
article's date (published, else ingested), so an article always lands in the same index: a
redelivered article overwrites itself instead of duplicating into a newer index (the risk
with size-based rollover and deterministic ids).

A change to the mapping bumps ``MAPPING_VERSION``; ``indexers.lifecycle`` migrates old backing
indices to the new version (copy + atomic alias swap). Backing indices join the alias when Rasad
creates them (``indexers.lifecycle.ensure_index``), not through the template, so a migration can
make the new indices visible and hide the old ones in one atomic alias update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from rasad.document import LANGUAGE_FIELDS, document
from rasad.model import Article
from rasad.normalize import Stemmer

MAPPING_VERSION = 3
KEYWORDS = (
    "id",
    "language",
    "source",
    "source_key",
    "story_id",
    "url",
    "concepts",
    "countries",
    "events",
    "actors",
    "places",
    "keywords",
    "labels",
    "rejected",
)
UNDATED = "undated"


@dataclass(frozen=True)
class Analysis:
    """The analyzers an engine indexes text with, by name.

    ``norm`` analyzes ``text_norm``, which ``rasad.normalize`` already folded and stemmed: it
    must split on whitespace and do nothing else, so that search and alerts match words
    exactly alike in every store. ``languages`` analyze the per-language fields (``text_ar`` …),
    which only rank hits; ``custom`` declares analyzers the engine does not have built in.
    """

    norm: str
    languages: dict[str, str]
    custom: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert set(self.languages) == set(LANGUAGE_FIELDS), "an analyzer for every language field"


def template_name(alias: str) -> str:
    return f"{alias}-template"


def index_prefix(alias: str, version: int = MAPPING_VERSION) -> str:
    """Backing indices of one mapping version start with this."""
    return f"{alias}-v{version}-"


def backing_index(alias: str, date: str | None, version: int = MAPPING_VERSION) -> str:
    """The backing index of a document dated ``date`` (ISO 8601, UTC) or undated."""
    month = f"{date[:4]}.{date[5:7]}" if date else UNDATED
    return index_prefix(alias, version) + month


def field_types() -> dict[str, str]:
    """Each field of the search document and its mapping type (the same in every engine)."""
    return {name: spec["type"] for name, spec in _properties(None).items()}


def index_template(alias: str, analysis: Analysis) -> dict:
    """The composable template every backing index of ``alias`` is created from."""
    settings: dict[str, Any] = {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "refresh_interval": "1s",
    }
    if analysis.custom:
        settings["analysis"] = {"analyzer": analysis.custom}
    return {
        "index_patterns": [index_prefix(alias) + "*"],
        "priority": 100 + MAPPING_VERSION,
        "template": {
            "settings": settings,
            "mappings": {
                "dynamic": "strict",
                "_meta": {"rasad_mapping_version": MAPPING_VERSION},
                "properties": _properties(analysis),
            },
        },
        "version": MAPPING_VERSION,
        "_meta": {"rasad_mapping_version": MAPPING_VERSION},
    }


def _properties(analysis: Analysis | None) -> dict[str, dict[str, Any]]:
    """The fields' mappings; without ``analysis``, text fields name no analyzer."""

    def text(analyzer: str) -> dict[str, Any]:
        return {"type": "text", "analyzer": analyzer} if analysis else {"type": "text"}

    properties: dict = {name: {"type": "keyword"} for name in KEYWORDS}
    properties.update(
        {
            "title": {"type": "text"},
            "text": {"type": "text"},
            "text_norm": text(analysis.norm if analysis else ""),
            "date": {"type": "date"},
            "published_at": {"type": "date"},
            "ingested_at": {"type": "date"},
            "locations": {"type": "geo_point"},
            "article": {"type": "object", "enabled": False},
        }
    )
    languages = analysis.languages if analysis else dict.fromkeys(LANGUAGE_FIELDS, "")
    properties.update({f"text_{lang}": text(name) for lang, name in languages.items()})
    return properties


def source(article: Article, stemmer: Stemmer) -> dict:
    """The ``_source`` of an article: the search document plus the article itself (for ``get``)."""
    return {
        **document(article, stemmer),
        "article": article.model_dump(mode="json", exclude_none=True, exclude=_NOT_STORED),
    }


def action(alias: str, article: Article, stemmer: Stemmer) -> dict:
    """A bulk ``index`` action: deterministic ``_id`` and backing
    index, so redelivery overwrites.
    """
    body = source(article, stemmer)
    return {
        "_op_type": "index",
        "_index": backing_index(alias, body["date"]),
        "_id": article.id,
        "_source": body,
    }


_ARTICLE_JSON = Article.__pydantic_serializer__.to_json  # the model's own JSON, in one native pass


def bulk_item(alias: str, article: Article, stemmer: Stemmer) -> tuple[str, bytes]:
    """The backing index and ``_source`` JSON of an article: ``action``'s, serialized in one go.

    The search document goes through pydantic-core's encoder and the article through its
    model's serializer, both native: no dict of the article is built, nor encoded in Python.
    """
    doc = document(article, stemmer)
    own = _ARTICLE_JSON(article, exclude_none=True, exclude=_NOT_STORED)
    return backing_index(alias, doc["date"]), to_json(doc)[:-1] + b',"article":' + own + b"}"


_NOT_STORED = {"normalized"}  # the normalized text is stored once, as ``text_norm``
