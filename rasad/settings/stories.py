"""Stories: the near-duplicate window."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Stories(BaseModel):
    """The stories' near-duplicate window. Part of ``Settings``."""

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
