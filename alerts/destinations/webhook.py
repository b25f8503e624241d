"""Webhook and Slack-compatible deliveries: one JSON POST per attempt (``alerts.destinations.connections``), never following redirects.

Webhook bodies are signed: ``X-Rasad-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>." + body`` with the rule's secret. A receiver recomputes it (``verify``) and rejects
stale timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from alerts.alert import Alert
from alerts.destinations.connections import WebhookClient

SIGNATURE_HEADER = "X-Rasad-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, body: bytes, header: str, tolerance: float = 300, now: float | None = None
) -> bool:
    """Check a signature header (what a receiver does): right key, untouched body, fresh timestamp."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def webhook_body(alert: Alert) -> bytes:
    return json.dumps(alert.payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_webhook(
    http: WebhookClient, url: str, alert: Alert, secret: str, timeout: float, allow_private: bool
) -> None:
    """POST the alert JSON, signed."""
    body = webhook_body(alert)
    http.post(
        url, body, {SIGNATURE_HEADER: sign(secret, body, int(time.time()))}, timeout, allow_private
    )


def send_slack(
    http: WebhookClient, url: str, alert: Alert, timeout: float, allow_private: bool
) -> None:
    """POST a Slack incoming-webhook message (``{"text": …}``, links in Slack's <url|label> form)."""
    title = alert.title or alert.snippet[:80]
    link = f"<{alert.url}|{title}>" if alert.url else title
    what = (
        f"spike in {alert.spike['key']} ({alert.spike['count']} articles)"
        if alert.spike
        else alert.source
    )
    text = f"*{alert.rule}*: {link}\n{what}"
    http.post(
        url,
        json.dumps({"text": text}, ensure_ascii=False).encode("utf-8"),
        {},
        timeout,
        allow_private,
    )


__all__ = ["SIGNATURE_HEADER", "send_slack", "send_webhook", "sign", "verify", "webhook_body"]
