"""One Settings object, read once by the CLI from flags, ``RASAD_*`` env vars and ``.env``.

Every field has a laptop default and a description; ``rasad settings`` and the README's
settings table are generated from these descriptions.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rasad.addresses import BusAddress, StoreAddress, parse_bus, parse_store

Role = Literal["tagger", "indexer", "alerts"]
ROLES: tuple[Role, ...] = ("tagger", "indexer", "alerts")
LogLevel = Literal["debug", "info", "warning", "error"]
EngineName = Literal["opensearch", "elasticsearch"]
ENGINE_NAMES: tuple[EngineName, ...] = ("opensearch", "elasticsearch")


def _bus(value: Any) -> Any:
    return parse_bus(value) if isinstance(value, str) else value


def _store(value: Any) -> Any:
    return parse_store(value) if isinstance(value, str) else value


def _roles(value: Any) -> Any:
    return parse_roles(value) if isinstance(value, str) else value


def parse_roles(value: str) -> tuple[Role, ...]:
    """The roles of ``all`` or a comma-separated list of roles.

    ``ValueError`` naming an unknown one.
    """
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if not names or "all" in names:
        return ROLES
    unknown = [name for name in names if name not in ROLES]
    if unknown:
        raise ValueError(
            f"unknown role {unknown[0]!r}: use all, tagger, indexer or alerts (or several: "
            "tagger,indexer)"
        )
    return tuple(role for role in ROLES if role in names)  # in pipeline order, once each


def _engines(value: Any) -> Any:
    return parse_engines(value) if isinstance(value, str) else value


def parse_engines(value: str) -> tuple[EngineName, ...]:
    """The search engines of a comma-separated list; ``ValueError`` naming an unknown one."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINE_NAMES]
    if unknown or not names:
        raise ValueError(
            f"unknown engine {(unknown or [value])[0]!r}: use opensearch, elasticsearch or both "
            "(opensearch,elasticsearch)"
        )
    return tuple(name for name in ENGINE_NAMES if name in names)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class Settings(BaseSettings):
    """Everything Rasad can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="RASAD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where messages flow and where articles are searched.
    bus: Annotated[BusAddress, NoDecode, BeforeValidator(_bus)] = Field(
        BusAddress("memory"),
        description="Message bus URL: memory:// (embedded, one process) or kafka://HOST:PORT[,HOST:PORT].",
    )
    store: Annotated[StoreAddress, NoDecode, BeforeValidator(_store)] = Field(
        StoreAddress("sqlite", path=Path(".rasad/rasad.db")),
        description="Search store URL: sqlite:///PATH (embedded, FTS5), opensearch://HOST:PORT or "
        "elasticsearch://HOST:PORT (+https for TLS, e.g. opensearch+https://). Default: sqlite:///DATA_DIR/rasad.db.",
    )
    bus_security: Literal["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"] = Field(
        "plaintext",
        description="How workers and producers connect to Kafka: plaintext, ssl (TLS), "
        "sasl_plaintext or sasl_ssl (SASL login over TLS: production). A kafka+ssl:// bus URL "
        "means ssl.",
    )
    bus_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism of the Kafka login (sasl_* security)."
    )
    bus_username: str = Field("", description="Kafka SASL user.")
    bus_password: SecretStr = Field(
        SecretStr(""), description="Kafka SASL password. Shown masked by `rasad settings`."
    )
    bus_ca_file: Path | None = Field(
        None,
        description="CA bundle the brokers' TLS certificates are verified against "
        "(default: the system's).",
    )
    store_username: str = Field(
        "",
        description="User for the store's basic authentication (OpenSearch/Elasticsearch); "
        "a user in the store URL also works.",
    )
    store_password: SecretStr = Field(
        SecretStr(""), description="Password for that user. Shown masked by `rasad settings`."
    )
    store_api_key: SecretStr = Field(
        SecretStr(""),
        description="Elasticsearch API key (base64 id:key), instead of a user and password. "
        "Shown masked by `rasad settings`.",
    )
    store_ca_file: Path | None = Field(
        None,
        description="CA bundle the store's TLS certificate is verified against "
        "(default: the system's).",
    )
    store_timeout: float = Field(
        30.0, gt=0, description="Seconds a request to OpenSearch/Elasticsearch may take."
    )
    store_verify_certs: bool = Field(
        True, description="Verify the store's TLS certificate (turn off only for testing)."
    )
    data_dir: Path = Field(
        Path(".rasad"),
        description="Folder for local state: stack servers, caches, logs, producer state.",
    )

    # Topics and index names: the contract with anything else that talks to Kafka or the engine.
    topic_raw: str = Field("articles.raw", description="Topic producers write raw articles to.")
    topic_tagged: str = Field(
        "articles.tagged", description="Topic processors write tagged articles to."
    )
    topic_dlq: str = Field(
        "articles.dlq", description="Dead-letter topic: rejected input with the reason."
    )
    topic_alerts: str = Field("alerts", description="Topic fired alerts are written to.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of the topics Rasad creates.")
    index_alias: str = Field(
        "articles",
        description="Alias the indexer writes and search reads (OpenSearch, Elasticsearch); "
        "also the prefix of the alert rule store's indices.",
    )

    # The Faust worker.
    worker_id: str = Field(
        "rasad", description="Faust application id (the Kafka consumer group prefix)."
    )
    worker_web_port: int = Field(6066, description="Port of the Faust worker's own web server.")
    worker_fetch_wait_ms: int = Field(
        100,
        ge=1,
        le=5000,
        description="Longest a worker's Kafka fetch waits for new messages (ms); Faust's own 1500 "
        "adds up per stream hop.",
    )
    worker_producer_linger_ms: int = Field(
        5,
        ge=0,
        le=1000,
        description="Longest a worker's Kafka producer waits to batch messages (ms): fewer, larger "
        "requests for a few ms of latency per hop.",
    )
    worker_session_timeout: float = Field(
        10.0,
        ge=6,
        le=300,
        description="Seconds Kafka waits for a silent worker (killed, cut off) before giving its "
        "partitions to the others; heartbeats go every third of it.",
    )
    worker_instance: str = Field(
        "",
        description="Static group membership: a name unique to this worker within its worker id; "
        "restarted under the same name it takes its partitions back at once (no rebalance, no "
        "wait for its old session). Empty: dynamic membership.",
    )
    worker_message_seconds: float = Field(
        20.0,
        gt=0,
        description="Longest the tagger works on one message; beyond it the message goes to the "
        "dead-letter topic as too_slow and the next one is taken.",
    )
    worker_role: Annotated[tuple[Role, ...], NoDecode, BeforeValidator(_roles)] = Field(
        ROLES,
        description="Which agents a worker runs: all, tagger (raw -> tagged), indexer (tagged -> "
        "store) or alerts.",
    )

    # Bounds on one article: hostile or broken input must not stall or crash a stage.
    max_article_chars: int = Field(
        1_000_000,
        ge=1000,
        description="Longest title + text (characters) the tagger takes; a longer article goes to "
        "the dead-letter topic as too_large.",
    )
    max_message_bytes: int = Field(
        8 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest message a worker writes (a tagged article); a larger one goes to the "
        "dead-letter topic as too_large. Kafka's message.max.bytes must allow it.",
    )

    # The HTTP API and dashboard.
    http_host: str = Field("127.0.0.1", description="Address the dashboard/API listens on.")
    http_port: int = Field(8000, description="Port the dashboard/API listens on.")
    http_push_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token POST /api/articles requires. Needed whenever RASAD_HTTP_HOST "
        "is not a loopback address (the push endpoint refuses every call there until it is "
        "set). Shown masked by `rasad settings`.",
    )
    dashboards_dir: Path | None = Field(
        None,
        description="Folder of your own dashboards (one YAML file of panels each, see "
        "docs/dashboards.md); they join the shipped ones, a file with a shipped id replaces it.",
    )

    # The local stack started from Maven Central artifacts (`rasad stack up`).
    kafka_version: str = Field(
        "4.1.2", description="Apache Kafka version (org.apache.kafka:kafka_2.13)."
    )
    kafka_port: int = Field(9092, description="Kafka client (PLAINTEXT) port of the local stack.")
    kafka_controller_port: int = Field(
        9093, description="KRaft controller port of the local stack."
    )
    kafka_heap: str = Field("512m", description="Kafka JVM heap (-Xms/-Xmx).")
    opensearch_version: str = Field(
        "2.19.6", description="OpenSearch version (org.opensearch:opensearch)."
    )
    opensearch_port: int = Field(9200, description="OpenSearch HTTP port of the local stack.")
    opensearch_transport_port: int = Field(
        9300, description="OpenSearch transport port of the local stack."
    )
    opensearch_heap: str = Field("1g", description="OpenSearch JVM heap (-Xms/-Xmx).")
    elasticsearch_version: str = Field(
        "8.19.21",
        description="Elasticsearch version (org.elasticsearch:elasticsearch); Maven Central has "
        "its network module (transport-netty4) for some 8.19.x only, 8.19.21 among them.",
    )
    elasticsearch_port: int = Field(9400, description="Elasticsearch HTTP port of the local stack.")
    elasticsearch_transport_port: int = Field(
        9500, description="Elasticsearch transport port of the local stack."
    )
    elasticsearch_heap: str = Field("512m", description="Elasticsearch JVM heap (-Xms/-Xmx).")
    stack_engines: Annotated[tuple[EngineName, ...], NoDecode, BeforeValidator(_engines)] = Field(
        ("opensearch",),
        description="Search engines `rasad stack up` starts beside Kafka: opensearch, "
        "elasticsearch or both (opensearch,elasticsearch); `--engine` overrides it.",
    )
    stack_start_timeout: float = Field(
        180.0, description="Seconds `stack up` waits for its servers to be ready."
    )
    stack_stop_grace: float = Field(
        20.0, description="Seconds `stack down` waits after SIGTERM before SIGKILL."
    )
    java_home: Path | None = Field(
        None, description="JDK (17+) to run the stack with; default: java on PATH."
    )

    log_level: Annotated[LogLevel, BeforeValidator(_lower)] = Field(
        "info", description="Log level: debug, info, warning, error."
    )
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = Field(
        "text",
        description="Log lines as text, or as JSON objects (at, level, logger, message, and "
        "topic/partition/offset/reason where known) for a log pipeline.",
    )

    # --- indexing and search ---
    index_retention_months: int = Field(
        0,
        ge=0,
        description="Months of articles kept in OpenSearch/Elasticsearch (by article date; whole "
        "monthly indices are deleted by `rasad index maintain` and at indexer start). "
        "0 keeps everything.",
    )
    indexer_batch_docs: int = Field(
        1000, ge=1, description="Indexer batch: at most this many articles per batch."
    )
    indexer_batch_seconds: float = Field(
        0.25,
        gt=0,
        description="Indexer batch: flush after this many seconds (part of the delay from "
        "produce to searchable; a backlog fills batches long before).",
    )
    indexer_batch_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        description="Indexer batch: split bulk requests above this many bytes.",
    )
    indexer_concurrency: int = Field(
        2,
        ge=1,
        description="Indexer agent instances per worker (overlap parsing and bulk requests).",
    )
    indexer_max_backoff: float = Field(
        30.0,
        gt=0,
        description="Longest wait between retries while the search engine is down or overloaded "
        "(seconds).",
    )

    # --- producers ---
    producer_max_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        description="Largest feed, linked page or HTTP push body a producer accepts, in bytes "
        "(files: always 5 MB).",
    )
    producer_fetch_timeout: float = Field(
        10.0, gt=0, description="Seconds a feed or page fetch may wait for the server."
    )
    producer_max_redirects: int = Field(
        5, ge=0, description="Redirects a fetch follows before giving up (redirect loops)."
    )
    producer_feed_interval: float = Field(
        300.0, gt=0, description="Seconds between polls of a feed in --follow mode."
    )
    producer_folder_interval: float = Field(
        2.0, gt=0, description="Seconds between scans of a watched folder in --follow mode."
    )
    producer_batch: int = Field(
        500,
        ge=1,
        description="Articles a producer keeps in flight before waiting for acknowledgements.",
    )

    # --- alerts ---
    alerts_token: SecretStr = Field(
        SecretStr(""),
        description="The alerts token: API clients send it as a bearer token, people log in to "
        "the alerts pages with it (the API and the pages refuse everything while it is empty). "
        "Shown masked by `rasad settings`.",
    )
    alerts_allow_private: bool = Field(
        False,
        description="Let webhooks reach loopback, private and link-local addresses (local testing "
        "only: SSRF risk).",
    )
    alerts_retries: int = Field(
        3,
        ge=0,
        description="Retries of a failing webhook/Slack/email delivery before it is recorded as "
        "failed.",
    )
    alerts_backoff: float = Field(
        0.5, ge=0, description="Seconds before the first retry; doubles on each retry."
    )
    alerts_timeout: float = Field(
        5.0, gt=0, description="Seconds a webhook or SMTP server gets to answer one attempt."
    )
    alerts_smtp_host: str = Field(
        "127.0.0.1", description="SMTP server alert emails are sent through."
    )
    alerts_smtp_port: int = Field(25, description="Port of that SMTP server.")
    alerts_smtp_sender: str = Field("rasad@localhost", description="From: address of alert emails.")
    alerts_smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "none",
        description="Encryption of the SMTP connection: none (a local relay), starttls (usually "
        "port 587) or ssl (implicit TLS, usually port 465). "
        "The server's certificate is verified.",
    )
    alerts_smtp_username: str = Field("", description="SMTP login; empty: no authentication.")
    alerts_smtp_password: SecretStr = Field(
        SecretStr(""),
        description="SMTP password. Never sent over an unencrypted "
        "connection except to a loopback server.",
    )
    alerts_smtp_ca_file: Path | None = Field(
        None,
        description="CA bundle the SMTP server's certificate is verified "
        "against (default: the system's).",
    )
    alerts_reload_interval: float = Field(
        2.0, gt=0, description="Seconds between checks for added or removed alert rules."
    )
    alerts_delivery_threads: int = Field(
        8, ge=1, description="Threads delivering alerts (a slow destination holds one)."
    )
    alerts_check_interval: float = Field(
        10.0,
        gt=0,
        description="Seconds between checks of silence rules (a source or concept gone quiet) "
        "and of digests that are due.",
    )
    alerts_session_hours: float = Field(
        12.0, gt=0, description="Hours a login to the alerts pages lasts."
    )

    # --- stories ---
    stories_remembered: int = Field(
        200_000,
        ge=1,
        description="Articles whose story keys the worker's story table keeps (~15 short entries "
        "each, held in the worker's memory; the embedded runner keeps at most 50000); a "
        "near-duplicate of an older article starts a new story.",
    )
    stories_horizon_hours: float = Field(
        72.0,
        ge=0,
        description="Hours the story table remembers an article (besides the count above); a "
        "near-duplicate published later starts a new story. 0: no limit but the count.",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_store(cls, data: Any) -> Any:
        # The default store lives in the data dir, whichever data dir was chosen.
        if isinstance(data, dict) and not data.get("store"):
            data_dir = Path(data.get("data_dir") or cls.model_fields["data_dir"].default)
            data = {**data, "store": StoreAddress("sqlite", path=data_dir / "rasad.db")}
        return data

    @property
    def stack_dir(self) -> Path:
        return self.data_dir / "stack"

    @model_validator(mode="after")
    def _bus_credentials(self) -> Settings:
        # Like the store's: the address carries what every Kafka client needs to connect.
        address = self.bus
        if address.scheme == "kafka":
            security = self.bus_security
            sasl = security.startswith("sasl")
            if sasl and not self.bus_username:
                raise ValueError(f"RASAD_BUS_SECURITY={security} needs RASAD_BUS_USERNAME")
            self.bus = replace(
                address,
                tls=address.tls or security.endswith("ssl"),
                sasl_mechanism=self.bus_sasl_mechanism if sasl else "",
                username=self.bus_username if sasl else "",
                password=self.bus_password.get_secret_value() if sasl else "",
                ca_file=str(self.bus_ca_file) if self.bus_ca_file else None,
            )
        return self

    @model_validator(mode="after")
    def _store_credentials(self) -> Settings:
        self.store = self._completed(self.store)
        return self

    def _completed(self, address: StoreAddress) -> StoreAddress:
        # The address carries everything a client needs; the URL's own user wins over the settings'.
        if address.scheme == "sqlite":
            return address
        return replace(
            address,
            username=address.username or self.store_username,
            password=address.password or self.store_password.get_secret_value(),
            api_key=self.store_api_key.get_secret_value(),
            ca_file=str(self.store_ca_file) if self.store_ca_file else None,
            verify=self.store_verify_certs,
        )

    def with_store(self, url: str) -> Settings:
        """These settings with the store at ``url`` (credentials and TLS from these settings,
        as for ``RASAD_STORE``); ``ValueError`` for a bad URL."""
        return self.model_copy(update={"store": self._completed(parse_store(url))})

    def environment(self) -> dict[str, str]:
        """These settings as the ``RASAD_*`` variables that read back
        to them (for child processes).
        """
        env = {}
        for name in type(self).model_fields:
            value = _as_variable(getattr(self, name))
            if value is not None:
                env[f"RASAD_{name.upper()}"] = value
        if self.store.password and not self.store_password.get_secret_value():
            env["RASAD_STORE_PASSWORD"] = self.store.password  # the URL's: its text never shows it
        return env

    def describe(self) -> list[tuple[str, str, str]]:
        """(env var, default, description) for every setting, in declaration order."""
        rows = []
        for name, field in type(self).model_fields.items():
            default = _shown(field.default)
            rows.append((f"RASAD_{name.upper()}", default, field.description or ""))
        return rows


def _shown(default: object) -> str:
    if default is None or isinstance(
        default, StoreAddress
    ):  # the store's default depends on the data dir
        return ""
    if default == ROLES:
        return "all"
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return str(default)


def _as_variable(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):  # the worker roles
        return ",".join(str(v) for v in value)
    return str(value)
