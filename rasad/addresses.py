"""Where the bus and the store are: their URLs, parsed once into typed values.

``Settings`` turns ``RASAD_BUS`` and ``RASAD_STORE`` into these when it is read; everything
else reads ``settings.bus.brokers`` or ``settings.store.path`` and never splits a URL again.
A URL that cannot be parsed is a ``ValueError`` here, so a bad setting is one clear line at
start-up, not a failure deep inside an adapter.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import unquote, urlsplit

BusScheme = Literal["memory", "kafka"]
StoreScheme = Literal["sqlite", "opensearch", "elasticsearch"]

_DEFAULT_PORTS = {"kafka": 9092, "opensearch": 9200, "elasticsearch": 9200}


@dataclass(frozen=True)
class BusAddress:
    """``memory://`` or ``kafka://HOST:PORT[,HOST:PORT]`` (``kafka+ssl://`` for TLS).

    Settings add SASL (``sasl_mechanism``, ``username``, ``password``) and the CA bundle the
    brokers' certificates are verified against; ``kafka_options`` hands them to kafka-python,
    ``ssl_context`` to aiokafka/Faust.
    """

    scheme: BusScheme
    brokers: tuple[str, ...] = ()
    tls: bool = False
    sasl_mechanism: str = ""  # "" (no SASL), PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str | None = None

    @property
    def bootstrap(self) -> str:
        """The brokers as Kafka clients take them: ``host:port,host:port``."""
        return ",".join(self.brokers)

    @property
    def security_protocol(self) -> str:
        """Kafka's name for how clients connect: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."""
        sasl = "SASL_" if self.sasl_mechanism else ""
        return f"{sasl}{'SSL' if self.tls else 'PLAINTEXT'}"

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context clients verify the brokers with (None without TLS)."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    def kafka_options(self) -> dict[str, Any]:
        """Bootstrap servers, TLS and SASL as kafka-python's clients take them."""
        options: dict[str, Any] = {
            "bootstrap_servers": list(self.brokers),
            "security_protocol": self.security_protocol,
        }
        if self.tls:
            options["ssl_context"] = self.ssl_context()
        if self.sasl_mechanism:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.username,
                sasl_plain_password=self.password,
            )
        return options

    def __str__(self) -> str:
        if self.scheme == "memory":
            return "memory://"
        return f"kafka{'+ssl' if self.tls else ''}://{self.bootstrap}"


@dataclass(frozen=True)
class StoreAddress:
    """``sqlite:///PATH``, or ``opensearch://`` / ``elasticsearch://HOST:PORT[,HOST:PORT]``.

    ``opensearch+https://`` and ``elasticsearch+https://`` speak TLS; a user and password in the
    URL are taken for basic authentication (settings can give them instead).
    """

    scheme: StoreScheme
    path: Path | None = None
    hosts: tuple[str, ...] = ()
    tls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)  # Elasticsearch's alternative to a password
    ca_file: str | None = (
        None  # CA bundle the server's certificate is checked against (default: the system's)
    )
    verify: bool = True

    @property
    def urls(self) -> list[str]:
        """``http(s)://host:port`` for every host (what the engines' clients take)."""
        return [f"{'https' if self.tls else 'http'}://{host}" for host in self.hosts]

    def client_options(self, auth: str = "http_auth") -> dict[str, Any]:
        """Hosts, TLS and basic auth as the opensearch-py and elasticsearch-py clients take them.

        The two share every name but basic auth's: ``auth`` names it
        (``basic_auth`` for Elasticsearch).
        """
        options: dict[str, Any] = {"hosts": self.urls}
        if self.username:
            options[auth] = (self.username, self.password)
        if self.tls:
            options.update(verify_certs=self.verify, ca_certs=self.ca_file, ssl_show_warn=False)
        return options

    def __str__(self) -> str:  # never shows the password
        if self.scheme == "sqlite":
            return f"sqlite:///{self.path}"
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}{'+https' if self.tls else ''}://{user}{','.join(self.hosts)}"


def parse_bus(url: str) -> BusAddress:
    """The ``BusAddress`` of a bus URL; ``ValueError`` with what is wrong."""
    scheme, tls, rest = _split(url, get_args(BusScheme), "memory:// or kafka://HOST:PORT", "ssl")
    if scheme == "memory":
        return BusAddress("memory")
    return BusAddress("kafka", _hosts(rest, scheme, url), tls)


def parse_store(url: str) -> StoreAddress:
    """The ``StoreAddress`` of a store URL; ``ValueError`` with what is wrong."""
    scheme, tls, rest = _split(
        url,
        get_args(StoreScheme),
        "sqlite:///PATH, opensearch://HOST:PORT or elasticsearch://HOST:PORT",
        "https",
    )
    if scheme == "sqlite":
        if tls or not rest.startswith("/") or rest == "/":
            raise ValueError(
                f"bad store URL {url!r}: write sqlite:///relative/path or sqlite:////absolute"
            )
        return StoreAddress("sqlite", path=Path(rest[1:]))
    userinfo, _, hosts = rest.rpartition("@")
    username, _, password = userinfo.partition(":")
    return StoreAddress(
        scheme,  # type: ignore[arg-type]  # _split checked it is a StoreScheme
        hosts=_hosts(hosts, scheme, url),
        tls=tls,
        username=unquote(username),
        password=unquote(password),
    )


def _split(url: str, schemes: tuple[str, ...], expected: str, secure: str) -> tuple[str, bool, str]:
    scheme, sep, rest = url.strip().partition("://")
    base, plus, transport = scheme.lower().partition("+")
    if not sep or base not in schemes or (plus and transport != secure):
        raise ValueError(f"unknown URL {url!r}: use {expected}")
    if base == "memory" and rest.strip("/"):
        raise ValueError(f"bad bus URL {url!r}: memory:// takes no host")
    return base, bool(plus), rest


def _hosts(text: str, scheme: str, url: str) -> tuple[str, ...]:
    hosts = []
    for part in text.strip("/").split(","):
        part = part.strip()
        if not part:
            continue
        parsed = urlsplit(f"//{part}")
        try:
            port = parsed.port or _DEFAULT_PORTS[scheme]
        except ValueError as exc:
            raise ValueError(f"bad port in {url!r}: {exc}") from exc
        if not parsed.hostname or parsed.path:
            raise ValueError(f"bad host {part!r} in {url!r}: write HOST:PORT")
        host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
        hosts.append(f"{host}:{port}")
    if not hosts:
        raise ValueError(f"no host in {url!r}: write {scheme}://HOST:PORT")
    return tuple(hosts)
