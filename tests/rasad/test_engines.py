"""The engines' clients built from the store settings, and their failures as ``EngineError`` (no
server needed: a client connects on its first request, not when it is built)."""

from __future__ import annotations

import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError
from opensearchpy.exceptions import ConflictError as OpenSearchConflict
from opensearchpy.exceptions import ConnectionError as OpenSearchUnreachable

from rasad.engines import ConflictError, EngineError, NotFoundError, failure
from rasad.engines.elasticsearch import ElasticsearchEngine
from rasad.engines.elasticsearch import _failure as elastic_failure
from rasad.engines.opensearch import OpenSearchEngine
from rasad.engines.opensearch import _failure as opensearch_failure
from rasad.errors import ConfigError, StoreError
from rasad.settings import Settings, parse_engines


def test_elasticsearch_over_tls_with_a_user_from_the_url_or_an_api_key_from_the_settings():
    settings = Settings(store="elasticsearch+https://analyst:s%40cret@es.example.org:9243")
    assert str(settings.store) == "elasticsearch+https://analyst@es.example.org:9243"
    engine = ElasticsearchEngine(settings.store)
    node = engine.client.transport.node_pool.get()
    assert (node.config.scheme, node.config.host, node.config.port) == (
        "https",
        "es.example.org",
        9243,
    )
    assert engine.client._headers["authorization"].startswith("Basic ")
    engine.close()

    keyed = Settings(store="elasticsearch+https://es.example.org", store_api_key="aWQ6a2V5")
    engine = ElasticsearchEngine(keyed.store)
    assert engine.client._headers["authorization"] == "ApiKey aWQ6a2V5"
    assert keyed.store.hosts == ("es.example.org:9200",) and "aWQ6" not in repr(keyed.store)
    engine.close()


def test_opensearch_takes_a_user_not_an_api_key():
    engine = OpenSearchEngine(Settings(store="opensearch+https://u:p@os.example.org:9200").store)
    assert engine.client.transport.kwargs["http_auth"] == ("u", "p")
    engine.close()
    with pytest.raises(ConfigError, match="API key"):
        OpenSearchEngine(Settings(store="opensearch://h:9200", store_api_key="k").store)


def test_failures_are_store_errors_that_know_whether_to_retry():
    assert isinstance(failure("x", 404), NotFoundError) and isinstance(
        failure("x", 409), ConflictError
    )
    assert isinstance(failure("x", 400), StoreError)
    assert [s for s in (None, 400, 404, 409, 413, 429, 500, 503) if failure("x", s).retryable] == [
        None,
        429,
        500,
        503,
    ]


def test_each_clients_exceptions_become_the_same_engine_errors():
    meta = ApiResponseMeta(409, "1.1", HttpHeaders(), 0.01, NodeConfig("http", "h", 9200))
    body = {"error": {"type": "version_conflict_engine_exception", "reason": "exists"}}
    for error in (
        elastic_failure(ApiError("version_conflict_engine_exception", meta, body), "claiming"),
        opensearch_failure(
            OpenSearchConflict(409, "version_conflict_engine_exception", {}), "claiming"
        ),
    ):
        assert isinstance(error, ConflictError) and error.status == 409 and not error.retryable
        assert error.kind == "version_conflict_engine_exception" and "claiming" in str(error)
    for error in (
        elastic_failure(ConnectionError("refused"), "bulk request"),
        opensearch_failure(OpenSearchUnreachable("N/A", "refused", None), "bulk request"),
    ):
        assert type(error) is EngineError and error.status is None and error.retryable
        assert "unreachable" in str(error)
    assert elastic_failure(ValueError("ours"), "x") is None  # not the client's: not translated


def test_stack_engines_are_read_from_a_list():
    assert parse_engines("Elasticsearch, opensearch") == ("opensearch", "elasticsearch")
    assert Settings(stack_engines="elasticsearch").stack_engines == ("elasticsearch",)
    with pytest.raises(ValueError, match="unknown engine 'solr'"):
        parse_engines("opensearch,solr")


def test_another_store_url_gets_the_settings_credentials():
    settings = Settings(store_username="analyst", store_password="secret", store_verify_certs=False)
    other = settings.with_store("elasticsearch+https://es.example.org:9243").store
    assert (other.username, other.password, other.verify) == ("analyst", "secret", False)
    assert settings.with_store("opensearch://u:own@h:9200").store.password == "own"
