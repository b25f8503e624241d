"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import tomllib
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from cli.main import app
from rasad.settings import Settings
from tests.helpers.paths import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
RASAD_SERVICES = [
    name for name, s in SERVICES.items() if s.get("image", "").startswith("rasad") or "build" in s
]
# The services `docker compose up` starts, and those `--profile elasticsearch` adds.
DEFAULT = [name for name, s in SERVICES.items() if "profiles" not in s]
ELASTIC = [name for name, s in SERVICES.items() if "elasticsearch" in s.get("profiles", [])]


def test_services_of_the_production_setup():
    assert {"kafka", "opensearch", "opensearch-dashboards", "worker", "alerts", "api"} <= set(
        DEFAULT
    )
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:4.")
    assert SERVICES["opensearch"]["image"].startswith("opensearchproject/opensearch:2.19")
    assert sorted(set(RASAD_SERVICES) & set(DEFAULT)) == [
        "alerts",
        "api",
        "dashboards-import",
        "worker",
    ]
    for name in ("kafka", "opensearch", "worker", "alerts", "api"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"


def test_the_elasticsearch_profile_runs_rasad_on_the_official_images():
    assert sorted(ELASTIC) == [
        "alerts-es",
        "api-es",
        "dashboards-import-es",
        "elasticsearch",
        "indexer-es",
        "kibana",
    ]
    assert SERVICES["elasticsearch"]["image"].startswith(
        "docker.elastic.co/elasticsearch/elasticsearch:8.19."
    )
    assert SERVICES["kibana"]["image"] == SERVICES["elasticsearch"]["image"].replace(
        "elasticsearch/elasticsearch", "kibana/kibana"
    )  # Kibana must match the node's version
    env = SERVICES["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node" and env["xpack.security.enabled"] == "false"
    assert "http://elasticsearch:9200" in SERVICES["kibana"]["environment"]["ELASTICSEARCH_HOSTS"]
    published = [p.split(":")[-2] for name in SERVICES for p in SERVICES[name].get("ports", [])]
    assert len(published) == len(set(published)), "two services publish the same host port"
    for name in ("elasticsearch", "indexer-es", "alerts-es", "api-es"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"
        if name != "elasticsearch":
            assert SERVICES[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
            assert "opensearch" not in SERVICES[name]["depends_on"]
    importer = SERVICES["dashboards-import-es"]
    assert importer["command"] == ["dashboards", "export", "--kibana-url", "http://kibana:5601"]
    assert (
        "127.0.0.1:5602:5601" in SERVICES["kibana"]["ports"] and "healthcheck" in SERVICES["kibana"]
    )
    assert importer["depends_on"]["kibana"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    "service",
    [
        *("worker", "alerts", "api", "dashboards-import"),
        *("indexer-es", "alerts-es", "api-es", "dashboards-import-es"),
    ],
)
def test_rasad_services_read_only_real_settings(service):
    env = SERVICES[service]["environment"]
    fields = {f"RASAD_{name.upper()}" for name in Settings.model_fields}
    unknown = {k for k in env if k.startswith("RASAD_")} - fields
    assert not unknown, f"{service} sets variables the code never reads: {unknown}"
    settings = Settings(**{k[len("RASAD_") :].lower(): v for k, v in env.items()})
    defaults = Settings()
    # The topic and index names are the contract with other producers and tools: same as the code's.
    for name in ("topic_raw", "topic_tagged", "topic_dlq", "topic_alerts", "index_alias"):
        assert getattr(settings, name) == getattr(defaults, name)
    kafka = SERVICES["kafka"]["environment"]
    bus_host, bus_port = settings.bus.bootstrap.split(":")
    listener = f"://{bus_host}:{bus_port}"
    [name] = [n for n, rest in _listeners(kafka["KAFKA_ADVERTISED_LISTENERS"]) if rest == listener]
    protocols = dict(
        pair.split(":") for pair in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    # The workers log in over TLS, as the broker's listener requires, with its one user.
    assert bus_host == "kafka" and protocols[name] == settings.bus.security_protocol == "SASL_SSL"
    assert settings.bus.sasl_mechanism in kafka["KAFKA_SASL_ENABLED_MECHANISMS"].split(",")
    jaas = kafka[f"KAFKA_LISTENER_NAME_{name}_PLAIN_SASL_JAAS_CONFIG"]
    assert f'user_{settings.bus.username}="{env["RASAD_BUS_PASSWORD"]}"' in jaas
    # The CA the clients verify with is in the volume the secrets service fills.
    assert settings.bus.ca_file == "/secrets/ca.pem"
    assert "secrets:/secrets:ro" in SERVICES[service]["volumes"]
    engine = "elasticsearch" if service in ELASTIC else "opensearch"
    assert settings.store.scheme == engine
    store_host, store_port = settings.store.hosts[0].split(":")
    assert store_host == engine and store_port == "9200"  # the engine's compose service
    if engine == "opensearch":  # TLS and the admin login of the security plugin
        assert settings.store.tls and settings.store.verify and settings.store.username == "admin"
        password = "${OPENSEARCH_ADMIN_PASSWORD:?set OPENSEARCH_ADMIN_PASSWORD}"
        assert env["RASAD_STORE_PASSWORD"] == password
        assert settings.store.ca_file == "/secrets/ca.pem"
    else:  # security off, this host only: OpenSearch's login is not sent there
        assert not settings.store.username and not settings.store.password
        assert any(p.endswith(f":{store_port}") for p in SERVICES[store_host]["ports"])


def _listeners(spec: str) -> list[tuple[str, str]]:
    """(name, "://host:port") of each listener of a Kafka listeners setting."""
    return [(name, "://" + rest) for name, _, rest in (x.partition("://") for x in spec.split(","))]


def test_kafka_and_opensearch_are_not_reachable_beyond_this_host():
    for name in ("kafka", "opensearch", "opensearch-dashboards", "elasticsearch", "kibana"):
        for port in SERVICES[name].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert "ports" not in SERVICES["kafka"] and "ports" not in SERVICES["opensearch"]
    protocols = SERVICES["kafka"]["environment"]["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert "PLAINTEXT" not in {
        p.split(":")[1] for p in protocols.split(",") if not p.startswith("CONTROLLER")
    }


def test_opensearch_runs_its_security_plugin_with_this_deployments_secrets():
    env = SERVICES["opensearch"]["environment"]
    assert "DISABLE_SECURITY_PLUGIN" not in env and env["DISABLE_INSTALL_DEMO_CONFIG"] == "true"
    assert env["plugins.security.ssl.http.enabled"] == "true"
    assert env["plugins.security.allow_default_init_securityindex"] == "true"
    assert (
        "secrets:/usr/share/opensearch/config/opensearch-security:ro"
        in SERVICES["opensearch"]["volumes"]
    )
    secrets = SERVICES["secrets"]
    assert secrets["environment"]["OPENSEARCH_ADMIN_PASSWORD"].startswith(
        "${OPENSEARCH_ADMIN_PASSWORD:?"
    )
    assert secrets["image"] == SERVICES["opensearch"]["image"]  # its keytool and password hasher
    script = secrets["volumes"][0].split(":")[0]
    assert (ROOT / script).is_file() and script.endswith("deploy/secrets.sh")
    for name in ("kafka", "opensearch"):
        assert (
            SERVICES[name]["depends_on"]["secrets"]["condition"] == "service_completed_successfully"
        )
    dashboards = SERVICES["opensearch-dashboards"]["environment"]
    assert dashboards["OPENSEARCH_HOSTS"] == '["https://opensearch:9200"]'
    assert dashboards["OPENSEARCH_SSL_VERIFICATIONMODE"] == "full"


@pytest.fixture(scope="module")
def secrets(tmp_path_factory) -> Path:
    """What deploy/secrets.sh makes, run with this JDK's keytool (and a stand-in hasher)."""
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.skip("no keytool (a JDK) on this machine")
    root = tmp_path_factory.mktemp("secrets")
    (root / "defaults").mkdir()
    (root / "defaults" / "config.yml").write_text("_meta: {type: config, config_version: 2}\n")
    (root / "hash.sh").write_text('#!/bin/sh\necho "$2" | sha256sum | cut -c1-60\n')
    (root / "hash.sh").chmod(0o755)
    env = {
        **os.environ,
        "SECRETS_DIR": str(root / "out"),
        "KEYTOOL": keytool,
        "HASH_TOOL": str(root / "hash.sh"),
        "SECURITY_DEFAULTS": str(root / "defaults"),
        "KEYSTORE_PASSWORD": "changeit",
        "OPENSEARCH_ADMIN_PASSWORD": "adm1n-pw",
    }
    for _ in range(2):  # the second run keeps what the first made
        subprocess.run(["sh", str(ROOT / "deploy" / "secrets.sh")], env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
    return root / "out"


@pytest.mark.parametrize(
    ("keystore", "host"), [("opensearch.p12", "opensearch"), ("kafka.p12", "kafka")]
)
def test_the_servers_certificates_are_trusted_by_rasads_clients(secrets, keystore, host, tmp_path):
    key, cert, _ = pkcs12.load_key_and_certificates((secrets / keystore).read_bytes(), b"changeit")
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        + cert.public_bytes(Encoding.PEM)
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(pem)
    settings = Settings(
        bus="kafka://kafka:9092", bus_security="sasl_ssl", bus_username="rasad",
        bus_ca_file=secrets / "ca.pem", store="opensearch+https://opensearch:9200",
        store_ca_file=secrets / "ca.pem", data_dir=tmp_path,
    )  # fmt: skip
    client = settings.bus.ssl_context() if host == "kafka" else ssl.create_default_context(
        cafile=settings.store.ca_file
    )  # fmt: skip
    assert _handshake(server, client, host)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(server, client, "elsewhere.example")
    users = (secrets / "internal_users.yml").read_text()
    assert 'hash: "' in users and "adm1n-pw" not in users


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> bool:
    left, right = socket.socketpair()
    outcome: list[BaseException] = []

    def serve() -> None:
        try:
            with server.wrap_socket(right, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(left, server_hostname=hostname):
            pass
    finally:
        left.close()
        thread.join(timeout=10)
        right.close()
    return True


def test_rasad_service_commands_exist():
    commands = {c.name or c.callback.__name__ for c in app.registered_commands} | {
        g.name for g in app.registered_groups
    }
    for service in RASAD_SERVICES:
        assert SERVICES[service]["command"][0] in commands
    for name in ("api", "api-es"):
        api_env = SERVICES[name]["environment"]
        assert any(p.endswith(f":{api_env['RASAD_HTTP_PORT']}") for p in SERVICES[name]["ports"])
        assert api_env["RASAD_HTTP_PORT"] in SERVICES[name]["healthcheck"]["test"][1]
    for name in ("worker", "alerts", "indexer-es", "alerts-es"):
        worker_env = SERVICES[name]["environment"]
        assert worker_env["RASAD_WORKER_WEB_PORT"] in SERVICES[name]["healthcheck"]["test"][1]


def test_the_workers_run_every_stage_once_each_in_its_own_consumer_group():
    workers = [SERVICES[name]["environment"] for name in ("worker", "alerts")]
    roles = [role for env in workers for role in env["RASAD_WORKER_ROLE"].split(",")]
    assert sorted(roles) == ["alerts", "indexer", "tagger"]
    # The profile indexes the tagged stream again (into Elasticsearch) and evaluates its rules.
    elastic = [SERVICES[name]["environment"] for name in ("indexer-es", "alerts-es")]
    assert sorted(env["RASAD_WORKER_ROLE"] for env in elastic) == ["alerts", "indexer"]
    assert len({env["RASAD_WORKER_ID"] for env in workers + elastic}) == 4


def test_dashboards_are_imported_into_osd_once_it_is_healthy():
    service = SERVICES["dashboards-import"]
    assert service["command"][:2] == ["dashboards", "export"]
    url = service["command"][service["command"].index("--osd-url") + 1]
    assert url == "http://opensearch-dashboards:5601"
    assert "127.0.0.1:5601:5601" in SERVICES["opensearch-dashboards"]["ports"]
    assert service["depends_on"]["opensearch-dashboards"]["condition"] == "service_healthy"
    assert "healthcheck" in SERVICES["opensearch-dashboards"] and service["restart"] == "no"


def test_dockerfile_ships_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = [p.rstrip("*") for p in setuptools["packages"]["find"]["include"]]
    modules: list[str] = [f"{m}.py" for m in setuptools.get("py-modules", [])]
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE))
    assert set(packages + modules) <= copied, (
        f"Dockerfile does not copy {set(packages + modules) - copied}"
    )
    assert all((ROOT / p).is_dir() for p in packages) and all((ROOT / m).is_file() for m in modules)
    assert 'ENTRYPOINT ["rasad"]' in dockerfile
    # The dashboard's charts and map: installed from the lockfile, beside the code.
    assert "COPY package.json package-lock.json" in dockerfile and "npm ci" in dockerfile
    assert "./node_modules" in dockerfile
