"""Where messages flow and where articles are searched: the bus and the store, their
credentials, the local data folder, and the topic and index names (the contract with anything
else that talks to Kafka or the engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, SecretStr
from pydantic_settings import NoDecode

from rasad.addresses import BusAddress, StoreAddress
from rasad.settings.values import as_bus, as_store


class Connections(BaseModel):
    """The bus and the store, their credentials, the data folder, topic and index names
    (part of ``Settings``)."""

    bus: Annotated[BusAddress, NoDecode, BeforeValidator(as_bus)] = Field(
        BusAddress("memory"),
        description="Message bus URL: memory:// (embedded, one process) or kafka://HOST:PORT[,HOST:PORT].",
    )
    store: Annotated[StoreAddress, NoDecode, BeforeValidator(as_store)] = Field(
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
