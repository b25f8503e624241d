"""Alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class Alerting(BaseModel):
    """Alert rules, their evaluation and delivery. Part of ``Settings``."""

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
