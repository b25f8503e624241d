"""The OpenSearch engine: its client and its analyzers (the rest: ``indexers.searchengine``).

OpenSearch bundles the language analyzers (the local stack resolves ``analysis-common``), so the
per-language fields are analyzed with them: they improve the ranking of hits, while which
documents match is decided on ``text_norm`` alike in every store.
"""

from __future__ import annotations

from indexers.bulk import SearchEngineSink
from indexers.mapping import Analysis
from indexers.searchengine import SearchEngineStore
from rasad.engines.opensearch import AsyncOpenSearchEngine, OpenSearchEngine

ANALYSIS = Analysis(
    norm="rasad_norm",
    languages={"ar": "arabic", "en": "english", "fr": "french", "ru": "russian", "tr": "turkish"},
    custom={"rasad_norm": {"type": "custom", "tokenizer": "whitespace"}},
)


class OpenSearchStore(SearchEngineStore):
    """Articles in OpenSearch behind an alias over monthly backing indices."""

    engine_class = OpenSearchEngine
    analysis = ANALYSIS


class OpenSearchSink(SearchEngineSink):
    """The indexer's bulk writes into OpenSearch."""

    store_class = OpenSearchStore
    engine_class = AsyncOpenSearchEngine
