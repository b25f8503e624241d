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


def test_services_of_the_production_setup():
    assert {"kafka", "opensearch", "opensearch-dashboards", "worker", "alerts", "api"} <= set(
        SERVICES
    )
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:4.")
    assert SERVICES["opensearch"]["image"].startswith("opensearchproject/opensearch:2.19")
    assert sorted(RASAD_SERVICES) == ["alerts", "api", "worker"]
    for name in ("kafka", "opensearch", "worker", "alerts", "api"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"


@pytest.mark.parametrize("service", ["worker", "alerts", "api"])
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
    assert settings.store.scheme == "opensearch" and settings.store.tls and settings.store.verify
    assert settings.store.hosts == ("opensearch:9200",) and settings.store.username == "admin"
    assert (
        env["RASAD_STORE_PASSWORD"] == "${OPENSEARCH_ADMIN_PASSWORD:?set OPENSEARCH_ADMIN_PASSWORD}"
    )
    # The CA the clients verify with is in the volume the secrets service fills.
    for ca_file in (settings.store.ca_file, settings.bus.ca_file):
        assert (
            ca_file == "/secrets/ca.pem" and "secrets:/secrets:ro" in SERVICES[service]["volumes"]
        )


def _listeners(spec: str) -> list[tuple[str, str]]:
    """(name, "://host:port") of each listener of a Kafka listeners setting."""
    return [(name, "://" + rest) for name, _, rest in (x.partition("://") for x in spec.split(","))]


def test_kafka_and_opensearch_are_not_reachable_beyond_this_host():
    for name in ("kafka", "opensearch", "opensearch-dashboards"):
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
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    for service in RASAD_SERVICES:
        assert SERVICES[service]["command"][0] in commands
    api_env = SERVICES["api"]["environment"]
    assert f"{api_env['RASAD_HTTP_PORT']}:{api_env['RASAD_HTTP_PORT']}" in SERVICES["api"]["ports"]
    for name in ("worker", "alerts"):
        worker_env = SERVICES[name]["environment"]
        assert worker_env["RASAD_WORKER_WEB_PORT"] in SERVICES[name]["healthcheck"]["test"][1]


def test_the_workers_run_every_stage_once_each_in_its_own_consumer_group():
    workers = [SERVICES[name]["environment"] for name in ("worker", "alerts")]
    roles = [role for env in workers for role in env["RASAD_WORKER_ROLE"].split(",")]
    assert sorted(roles) == ["alerts", "indexer", "tagger"]
    assert len({env["RASAD_WORKER_ID"] for env in workers}) == 2


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
