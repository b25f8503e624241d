"""Alert rules, ledger and log in OpenSearch (see ``alerts.rulestores.searchengine``)."""

from __future__ import annotations

from alerts.rulestores.searchengine import SearchEngineRuleStore
from rasad.engines.opensearch import OpenSearchEngine


class OpenSearchRuleStore(SearchEngineRuleStore):
    """Rules, ledger and alerts in OpenSearch."""

    engine_class = OpenSearchEngine
