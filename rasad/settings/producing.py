"""Producers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Producing(BaseModel):
    """Producers. Part of ``Settings``."""

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
