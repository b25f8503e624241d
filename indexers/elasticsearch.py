"""The Elasticsearch engine: its client and its analyzers (the rest: ``indexers.searchengine``).

A bare Elasticsearch 8.x node (the one the local stack starts from Maven Central jars) has no
language analyzers and no ``whitespace`` tokenizer: they are in the ``analysis-common`` module,
which is not published. Matching does not depend on them: ``text_norm`` holds the project's own
normalized terms (folded, clitics split, stemmed) and is analyzed by the built-in ``whitespace``
analyzer, the same tokens as OpenSearch's ``rasad_norm``, so every store finds the same hits.
The per-language fields, which only rank hits, get the ``standard`` analyzer (lower-cased words,
no stemming). A full Elasticsearch distribution would accept the language analyzers too; the
built-in ones keep one template for both.
"""

from __future__ import annotations

from indexers.bulk import SearchEngineSink
from indexers.mapping import Analysis
from indexers.searchengine import SearchEngineStore
from rasad.document import LANGUAGE_FIELDS
from rasad.engines.elasticsearch import AsyncElasticsearchEngine, ElasticsearchEngine

ANALYSIS = Analysis(norm="whitespace", languages=dict.fromkeys(LANGUAGE_FIELDS, "standard"))


class ElasticsearchStore(SearchEngineStore):
    """Articles in Elasticsearch behind an alias over monthly backing indices."""

    engine_class = ElasticsearchEngine
    analysis = ANALYSIS


class ElasticsearchSink(SearchEngineSink):
    """The indexer's bulk writes into Elasticsearch."""

    store_class = ElasticsearchStore
    engine_class = AsyncElasticsearchEngine
