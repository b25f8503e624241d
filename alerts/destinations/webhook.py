"""Webhook and Slack-compatible deliveries: one JSON POST per attempt
(``alerts.destinations.connections``), never following redirects.

Webhook bodies are signed: ``X-Rasad-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>." + body`` with the rule's secret. A receiver recomputes it (``verify``) and rejects
stale timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from alerts.destinations.connections import WebhookClient

SIGNATURE_HEADER = "X-Rasad-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, body: bytes, header: str, tolerance: float = 300, now: float | None = None
) -> bool:
    """Check a signature header (what a receiver does): right key,
    untouched body, fresh timestamp.
    """
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_webhook(
    http: WebhookClient,
    url: str,
    payload: dict[str, Any],
    secret: str,
    timeout: float,
    allow_private: bool,
) -> None:
    """POST the alert (or digest) JSON, signed."""
    body = webhook_body(payload)
    http.post(
        url, body, {SIGNATURE_HEADER: sign(secret, body, int(time.time()))}, timeout, allow_private
    )


def send_slack(
    http: WebhookClient, url: str, text: str, timeout: float, allow_private: bool
) -> None:
    """POST a Slack incoming-webhook message (``{"text": …}``, already in Slack's markup)."""
    http.post(
        url,
        json.dumps({"text": text}, ensure_ascii=False).encode("utf-8"),
        {},
        timeout,
        allow_private,
    )


__all__ = ["SIGNATURE_HEADER", "send_slack", "send_webhook", "sign", "verify", "webhook_body"]
