"""How every Rasad process logs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from rasad.settings.values import LogLevel, lowered


class Logs(BaseModel):
    """Log level and format. Part of ``Settings``."""

    log_level: Annotated[LogLevel, BeforeValidator(lowered)] = Field(
        "info", description="Log level: debug, info, warning, error."
    )
    log_format: Annotated[Literal["text", "json"], BeforeValidator(lowered)] = Field(
        "text",
        description="Log lines as text, or as JSON objects (at, level, logger, message, and "
        "topic/partition/offset/reason where known) for a log pipeline.",
    )
