"""Alert rules, ledger and log in Elasticsearch (see ``alerts.rulestores.searchengine``)."""

from __future__ import annotations

from alerts.rulestores.searchengine import SearchEngineRuleStore
from rasad.engines.elasticsearch import ElasticsearchEngine


class ElasticsearchRuleStore(SearchEngineRuleStore):
    """Rules, ledger and alerts in Elasticsearch."""

    engine_class = ElasticsearchEngine
