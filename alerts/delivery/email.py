"""Email delivery over SMTP (plain text, UTF-8)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from alerts.alert import Alert
from alerts.delivery.http import DeliveryFailed


def message(alert: Alert, sender: str, recipient: str) -> EmailMessage:
    """The email of an alert."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = f"[rasad] {alert.rule}: {alert.title or alert.snippet[:60]}"
    lines = [alert.title, alert.url or "", f"{alert.source} · {alert.language or ''}", "", alert.snippet]
    if alert.spike:
        lines.insert(0, f"Spike: {alert.spike['count']} articles about {alert.spike['key']} "
                        f"(level {alert.spike['level']:g}, baseline {alert.spike['baseline']:g})")
    mail.set_content("\n".join(lines))
    return mail


def send_email(recipient: str, alert: Alert, host: str, port: int, sender: str, timeout: float) -> None:
    """Send one alert email; ``DeliveryFailed`` when the server cannot be reached or refuses it."""
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.send_message(message(alert, sender, recipient))
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP {host}:{port}: {exc}") from exc
