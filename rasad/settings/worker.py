"""The Faust worker, and the bounds on one article (hostile or broken input must not stall or
crash a stage)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import NoDecode

from rasad.settings.values import ROLES, Role, as_roles


class Worker(BaseModel):
    """How a Faust worker runs, and the bounds on one article. Part of ``Settings``."""

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
    worker_fetch_min_bytes: int = Field(
        1,
        ge=1,
        le=16 * 1024 * 1024,
        description="Data a worker's Kafka fetch waits for (bytes), up to worker_fetch_wait_ms: "
        "1 answers as soon as a message is there (lowest latency); more makes fewer, larger "
        "fetches, less CPU per article for up to that wait per stream hop (docs/processors.md).",
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
    worker_role: Annotated[tuple[Role, ...], NoDecode, BeforeValidator(as_roles)] = Field(
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
