"""The HTTP API and the dashboards."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class Serving(BaseModel):
    """The dashboard/API server. Part of ``Settings``."""

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
