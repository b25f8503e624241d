"""Email delivery over SMTP (plain text, UTF-8), optionally encrypted (STARTTLS or
implicit TLS) and authenticated.

The server's certificate is verified against the system's CAs (or ``RASAD_ALERTS_SMTP_CA_FILE``).
A password is never sent over an unencrypted connection, except to a server on loopback.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from email.message import EmailMessage

from alerts.destinations.connections import DeliveryFailed
from alerts.destinations.guard import Refused
from alerts.messages import Letter
from rasad.settings import Settings


def message(letter: Letter, sender: str, recipient: str) -> EmailMessage:
    """The email of an alert (or a digest)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = letter.subject
    mail.set_content(letter.text)
    return mail


def send_email(recipient: str, letter: Letter, settings: Settings) -> None:
    """Send one alert email; ``DeliveryFailed`` when the server cannot be reached or fails,
    ``Refused`` when retrying cannot help.
    """
    host, port, security = (
        settings.alerts_smtp_host,
        settings.alerts_smtp_port,
        settings.alerts_smtp_security,
    )
    username, password = (
        settings.alerts_smtp_username,
        settings.alerts_smtp_password.get_secret_value(),
    )
    if username and security == "none" and not _loopback(host):
        raise Refused(
            f"will not send the SMTP password to {host} unencrypted: "
            "set RASAD_ALERTS_SMTP_SECURITY to starttls or ssl"
        )
    context = ssl.create_default_context(cafile=settings.alerts_smtp_ca_file)
    timeout = settings.alerts_timeout
    try:
        connection = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if security == "ssl"
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with connection as smtp:
            if security == "starttls":
                smtp.starttls(
                    context=context
                )  # refuses to go on in clear when the server does not offer it
            if username:
                smtp.login(username, password)
            smtp.send_message(message(letter, settings.alerts_smtp_sender, recipient))
    except smtplib.SMTPAuthenticationError as exc:
        said = exc.smtp_error
        said = said.decode(errors="replace") if isinstance(said, bytes) else said
        raise Refused(
            f"SMTP {host}:{port} refused the login of {username!r}: {exc.smtp_code} {said}"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise Refused(f"SMTP {host}:{port}: {exc} (check RASAD_ALERTS_SMTP_SECURITY)") from exc
    except ssl.SSLCertVerificationError as exc:
        raise Refused(f"SMTP {host}:{port}: certificate not trusted: {exc.verify_message}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP {host}:{port}: {exc}") from exc


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
