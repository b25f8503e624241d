"""Indexing and search."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Search(BaseModel):
    """The indexer and the search store. Part of ``Settings``."""

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
