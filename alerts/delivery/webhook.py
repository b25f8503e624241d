"""Webhook and Slack-compatible deliveries: one JSON POST per attempt, never following redirects.

Webhook bodies are signed: ``X-Rasad-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>." + body`` with the rule's secret. A receiver recomputes it (``verify``) and rejects
stale timestamps to stop replays.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from alerts.alert import Alert
from alerts.delivery import guard

SIGNATURE_HEADER = "X-Rasad-Signature"


class DeliveryFailed(Exception):
    """One attempt failed in a way a retry may fix (network error, 5xx, timeout)."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, tolerance: float = 300, now: float | None = None) -> bool:
    """Check a signature header (what a receiver does): right key, untouched body, fresh timestamp."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def post(http: httpx.Client, url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> None:
    """One attempt: guard the destination, POST, require a 2xx; ``Refused`` is final, ``DeliveryFailed`` retryable.

    ``http`` is shared (connection reuse, one TLS context); it must not follow redirects.
    """
    guard.check(url, allow_private)
    try:
        response = http.post(url, content=body, headers={"Content-Type": "application/json", **headers},
                             timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if 300 <= response.status_code < 400:
        raise guard.Refused(f"the webhook answered {response.status_code} (redirects are not followed)")
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryFailed(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise guard.Refused(f"the webhook rejected the alert: HTTP {response.status_code}")


def webhook_body(alert: Alert) -> bytes:
    return json.dumps(alert.payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_webhook(http: httpx.Client, url: str, alert: Alert, secret: str, timeout: float, allow_private: bool) -> None:
    """POST the alert JSON, signed."""
    body = webhook_body(alert)
    post(http, url, body, {SIGNATURE_HEADER: sign(secret, body, int(time.time()))}, timeout, allow_private)


def send_slack(http: httpx.Client, url: str, alert: Alert, timeout: float, allow_private: bool) -> None:
    """POST a Slack incoming-webhook message (``{"text": …}``, links in Slack's <url|label> form)."""
    title = alert.title or alert.snippet[:80]
    link = f"<{alert.url}|{title}>" if alert.url else title
    what = f"spike in {alert.spike['key']} ({alert.spike['count']} articles)" if alert.spike else alert.source
    text = f"*{alert.rule}*: {link}\n{what}"
    post(http, url, json.dumps({"text": text}, ensure_ascii=False).encode("utf-8"), {}, timeout, allow_private)
