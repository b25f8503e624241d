"""The clients' TLS and login settings, against local TLS endpoints with trustme certificates.

The store: every OpenSearch client Rasad opens (search store, alert rule store, the indexer's
async bulk client) speaks HTTPS to a local server, verifies its certificate against
``RASAD_STORE_CA_FILE`` and sends basic auth; with another CA the connection is refused. The
bus: the TLS context kafka-python and Faust/aiokafka are given verifies a local TLS endpoint
against ``RASAD_BUS_CA_FILE`` (a Kafka broker's handshake is plain TLS) and refuses another CA.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import trustme

from alerts.rulestores.opensearch import OpenSearchRuleStore
from indexers.opensearch import OpenSearchStore
from rasad import metrics
from rasad.engines.opensearch import AsyncOpenSearchEngine
from rasad.errors import StoreError
from rasad.settings import Settings
from rasad.streaming import make_app

USER, PASSWORD = "rasad", "s3cret:with/odd chars"


class _OpenSearchLike(BaseHTTPRequestHandler):
    """Answers the few calls the tests make, as OpenSearch would, behind basic auth."""

    seen: ClassVar[list] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._json(401, {"error": "unauthorized"})
        elif "_count" in self.path:
            self._json(200, {"count": 7})
        elif "__revision__" in self.path:
            self._json(200, {"_source": {"body": {"revision": "r1"}}})
        else:
            self._json(200, {"cluster_name": "tls", "version": {"number": "2.19.0"}})

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_store(authority: trustme.CA) -> Iterator[int]:
    """A local HTTPS server speaking enough OpenSearch; its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenSearchLike)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _ca_file(authority: trustme.CA, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def test_store_clients_verify_the_servers_certificate_and_log_in(
    https_store, authority, tmp_path, stemmer
):
    settings = Settings(
        store=f"opensearch+https://127.0.0.1:{https_store}",
        store_username=USER,
        store_password=PASSWORD,
        store_ca_file=_ca_file(authority, tmp_path),
        data_dir=tmp_path,
    )
    assert settings.store.tls and settings.store.urls == [f"https://127.0.0.1:{https_store}"]
    store = OpenSearchStore.from_settings(settings, stemmer)
    assert store.count() == 7
    rules = OpenSearchRuleStore.from_settings(settings)
    assert rules.revision() == "r1"

    async def bulk_client_info() -> dict:
        engine = AsyncOpenSearchEngine(settings.store)  # the indexer's bulk writes
        try:
            return dict(await engine.client.info())
        finally:
            await engine.client.close()

    assert asyncio.run(bulk_client_info())["cluster_name"] == "tls"
    assert all(auth is not None for _, _, auth in _OpenSearchLike.seen)

    # A server whose certificate another CA signed is refused, login or not.
    stranger = replace(settings.store, ca_file=str(_ca_file(trustme.CA(), tmp_path / "other")))
    refused = OpenSearchStore.from_settings(
        settings.model_copy(update={"store": stranger}), stemmer
    )
    with pytest.raises(StoreError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        refused.count()


def test_a_login_in_the_url_wins_and_the_password_never_shows(tmp_path):
    settings = Settings(
        store="opensearch+https://admin:p%40ss@search.internal:9200",
        store_username="other",
        data_dir=tmp_path,
    )
    assert (settings.store.username, settings.store.password) == ("admin", "p@ss")
    assert "p@ss" not in str(settings.store) and "p@ss" not in repr(settings.store)
    assert settings.store.client_options()["http_auth"] == ("admin", "p@ss")


@pytest.fixture
def tls_endpoint(authority: trustme.CA) -> Iterator[int]:
    """A TLS listener that completes handshakes (what a Kafka broker's SSL listener does first)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


def _handshake(context: ssl.SSLContext, port: int) -> str:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version() or ""


def test_bus_clients_get_tls_and_sasl_that_verify_the_brokers(tls_endpoint, authority, tmp_path):
    settings = Settings(
        bus=f"kafka://localhost:{tls_endpoint}",
        bus_security="sasl_ssl",
        bus_sasl_mechanism="SCRAM-SHA-512",
        bus_username="rasad",
        bus_password="s3cret",
        bus_ca_file=_ca_file(authority, tmp_path),
        data_dir=tmp_path,
    )
    options = settings.bus.kafka_options()  # what KafkaBus, ensure_topics and consumer_lag use
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"]) == ("SCRAM-SHA-512", "rasad")
    assert options["sasl_plain_password"] == "s3cret"
    assert _handshake(options["ssl_context"], tls_endpoint).startswith("TLS")

    app, _ = make_app(settings)  # Faust hands these credentials to aiokafka's clients
    metrics.lag_source(lambda: [])  # the app's lag source would call this endpoint on a scrape
    credentials = app.conf.broker_credentials
    assert (
        credentials.protocol.value == "SASL_SSL" and credentials.mechanism.value == "SCRAM-SHA-512"
    )
    assert (credentials.username, credentials.password) == ("rasad", "s3cret")
    assert _handshake(credentials.ssl_context, tls_endpoint).startswith("TLS")

    stranger = Settings(
        bus=f"kafka+ssl://localhost:{tls_endpoint}",
        bus_ca_file=_ca_file(trustme.CA(), tmp_path / "other"),
        data_dir=tmp_path,
    )
    assert stranger.bus.security_protocol == "SSL"
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(stranger.bus.kafka_options()["ssl_context"], tls_endpoint)


def test_sasl_needs_a_user_and_plaintext_stays_plain(tmp_path):
    with pytest.raises(ValueError, match="RASAD_BUS_USERNAME"):
        Settings(bus="kafka://k:9092", bus_security="sasl_plaintext", data_dir=tmp_path)
    plain = Settings(bus="kafka://k:9092", data_dir=tmp_path).bus
    assert plain.kafka_options() == {
        "bootstrap_servers": ["k:9092"],
        "security_protocol": "PLAINTEXT",
    }
    assert plain.ssl_context() is None
