"""The local stack started by the project: Kafka (KRaft) + OpenSearch, and Elasticsearch, from
Maven Central."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.helpers.processes import rasad

pytestmark = pytest.mark.stack


def stack_cli_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "RASAD_DATA_DIR": str(settings.data_dir),
        "RASAD_KAFKA_PORT": str(settings.kafka_port),
        "RASAD_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "RASAD_OPENSEARCH_PORT": str(settings.opensearch_port),
        "RASAD_OPENSEARCH_TRANSPORT_PORT": str(settings.opensearch_transport_port),
        "RASAD_ELASTICSEARCH_PORT": str(settings.elasticsearch_port),
        "RASAD_ELASTICSEARCH_TRANSPORT_PORT": str(settings.elasticsearch_transport_port),
    }


def test_both_servers_ready_and_up_is_a_no_op(stack, stack_settings):
    before = {s.name: s.pid for s in stack.status()}
    assert all(s.ready for s in stack.status())
    env = stack_cli_env(stack_settings)
    up = rasad("stack", "up", env=env, check=True).stdout.decode()
    assert "already running" in up
    assert {s.name: s.pid for s in stack.status()} == before
    status = rasad("stack", "status", env=env, check=True).stdout.decode()
    assert "kafka" in status and "opensearch" in status and "server.log" in status


def test_opensearch_has_the_analyzers_rasad_needs(stack, stack_settings):
    url = f"http://127.0.0.1:{stack_settings.opensearch_port}"
    info = httpx.get(url).json()
    assert info["version"]["number"].startswith("2.19")
    tokens = httpx.post(f"{url}/_analyze", json={"analyzer": "arabic", "text": "والسورية"}).json()[
        "tokens"
    ]
    assert tokens and tokens[0]["token"] != "والسورية"  # the Arabic light stemmer ran
    for analyzer in ("english", "french", "russian", "turkish"):
        assert (
            httpx.post(
                f"{url}/_analyze", json={"analyzer": analyzer, "text": "strikes"}
            ).status_code
            == 200
        )


def test_the_engine_option_starts_elasticsearch_beside_the_stack(elasticsearch, stack_settings):
    env = stack_cli_env(stack_settings)
    up = rasad("stack", "up", "--engine", "elasticsearch", env=env, check=True).stdout.decode()
    assert "already running" in up and "elasticsearch" in up
    status = rasad("stack", "status", env=env, check=True).stdout.decode()
    assert all(name in status for name in ("kafka", "opensearch", "elasticsearch"))


def test_elasticsearch_is_a_bare_node_with_what_rasad_uses(elasticsearch, stack_settings):
    url = f"http://127.0.0.1:{stack_settings.elasticsearch_port}"
    nodes = httpx.get(f"{url}/_nodes/_local/plugins,process").json()["nodes"]
    (node,) = nodes.values()
    assert node["version"].startswith("8.19") and node["process"]["id"] == elasticsearch.pid()
    assert [m["name"] for m in node["modules"]] == ["transport-netty4"]
    assert httpx.get(url).status_code == 405  # no root endpoint: readiness is the cluster health
    # What text_norm is analyzed with: whitespace only, the project's own terms kept as they are.
    tokens = httpx.post(f"{url}/_analyze", json={"analyzer": "whitespace", "text": "سوري داعش-x"})
    assert [t["token"] for t in tokens.json()["tokens"]] == ["سوري", "داعش-x"]
    # The language analyzers are in a module Maven Central does not have.
    assert (
        httpx.post(f"{url}/_analyze", json={"analyzer": "arabic", "text": "x"}).status_code == 400
    )
    log = elasticsearch.log_file.read_text(errors="replace")
    assert "rasad-elasticsearch: started" in log and "ERROR" not in log


def test_kafka_is_4x_in_kraft_mode(stack, stack_settings):
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{stack_settings.kafka_port}")
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    assert cluster["controller_id"] == 1 and len(cluster["brokers"]) == 1
    log = (stack_settings.stack_dir / "kafka" / "server.log").read_text(errors="replace")
    assert "KafkaRaftServer" in log


def test_classpath_resolves_from_a_relative_data_dir(stack, stack_settings, tmp_path, monkeypatch):
    """The default data dir is relative (.rasad): Maven must still write the
    classpath where Rasad reads it.
    """
    from pathlib import Path

    from devstack import maven
    from devstack.servers import HERE

    monkeypatch.chdir(tmp_path)
    jars = maven.resolve(
        HERE / "kafka.pom.xml",
        {"kafka_version": stack_settings.kafka_version},
        Path(".rasad/stack/kafka/maven"),
    )
    assert any(jar.name.startswith("kafka_2.13-") for jar in jars) and all(
        jar.exists() for jar in jars
    )
    assert (tmp_path / ".rasad/stack/kafka/maven/classpath.txt").exists()
