"""The local stack started from Maven Central artifacts (``rasad stack up``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import NoDecode

from rasad.settings.values import EngineName, as_engines


class Stack(BaseModel):
    """The servers `rasad stack` starts. Part of ``Settings``."""

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
    stack_engines: Annotated[tuple[EngineName, ...], NoDecode, BeforeValidator(as_engines)] = Field(
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
