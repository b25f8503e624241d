"""Email over encrypted, authenticated SMTP (STARTTLS and implicit TLS) against real local
servers, certificates by trustme.
"""

from __future__ import annotations

import ssl

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.alert import from_article
from alerts.destinations.dispatcher import Dispatcher
from alerts.rules import AlertRule
from rasad.settings import Settings
from tests.alerts.corpus import tagged_corpus
from tests.helpers.network import free_port
from tests.helpers.receivers import StartTlsSmtpServer

USER, PASSWORD = "rasad", "correct horse"

# aiosmtpd's own AUTH code sets a property it deprecated itself; the
# warning is raised inside the server.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Session.login_data is deprecated:DeprecationWarning"
)


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _server_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def _send(tmp_path, store, ca_file, **smtp):
    """The final alert after one email delivery attempt (no retries) with these SMTP settings."""
    settings = Settings(
        data_dir=tmp_path,
        alerts_retries=0,
        alerts_timeout=5.0,
        alerts_smtp_host="127.0.0.1",
        alerts_smtp_ca_file=ca_file,
        **smtp,
    )
    article = tagged_corpus()[0]
    rule = AlertRule(name="isis", query="ISIS", emails=["analyst@example.org"])
    alert = from_article("isis", article, f"{article.id}-{len(store.alerts())}")
    return Dispatcher(settings, store).submit(alert, rule).result(timeout=20)


def test_starttls_then_login_then_the_email(tmp_path, rule_store, ca, ca_file):
    server = StartTlsSmtpServer(_server_context(ca), USER, PASSWORD)
    smtp = {
        "alerts_smtp_port": server.port,
        "alerts_smtp_security": "starttls",
        "alerts_smtp_username": USER,
    }
    try:
        final = _send(tmp_path, rule_store, ca_file, **smtp, alerts_smtp_password=PASSWORD)
        wrong = _send(tmp_path, rule_store, ca_file, **smtp, alerts_smtp_password="wrong")
    finally:
        server.close()
    assert final.deliveries[0].status == "delivered", final.deliveries[0].reason
    assert server.logins == [USER] and len(server.messages) == 1  # the wrong password sent nothing
    assert server.messages[0][0] == ["analyst@example.org"]
    assert (wrong.deliveries[0].status, wrong.deliveries[0].attempts) == ("refused", 1)
    assert "refused the login" in wrong.deliveries[0].reason


def test_implicit_tls_with_login(tmp_path, rule_store, ca, ca_file):
    inbox, port = _Inbox(), free_port()
    # The connection is TLS from the first byte (aiosmtpd does not count
    # that as TLS for its AUTH rule).
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=_server_context(ca),
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        final = _send(
            tmp_path,
            rule_store,
            ca_file,
            alerts_smtp_port=port,
            alerts_smtp_security="ssl",
            alerts_smtp_username=USER,
            alerts_smtp_password=PASSWORD,
        )
    finally:
        controller.stop()
    assert final.deliveries[0].status == "delivered", final.deliveries[0].reason
    assert inbox.logins == [USER] and inbox.messages[0][0] == ["analyst@example.org"]


def test_an_untrusted_certificate_or_a_missing_starttls_is_refused_not_retried(
    tmp_path, rule_store, ca
):
    server = StartTlsSmtpServer(_server_context(ca), USER, PASSWORD)
    plain_port = free_port()
    plain = Controller(_Inbox(), hostname="127.0.0.1", port=plain_port)  # offers no TLS at all
    plain.start()
    try:
        untrusted = _send(
            tmp_path,
            rule_store,
            None,
            alerts_smtp_port=server.port,
            alerts_smtp_security="starttls",
        )
        no_tls = _send(
            tmp_path, rule_store, None, alerts_smtp_port=plain_port, alerts_smtp_security="starttls"
        )
    finally:
        server.close()
        plain.stop()
    assert (
        untrusted.deliveries[0].status == "refused"
        and "certificate" in untrusted.deliveries[0].reason
    )
    assert no_tls.deliveries[0].status == "refused" and "STARTTLS" in no_tls.deliveries[0].reason
    assert server.messages == []


def test_a_password_is_never_sent_unencrypted_to_a_remote_server(tmp_path):
    from alerts.destinations.email import send_email
    from alerts.destinations.guard import Refused
    from alerts.messages import letter

    settings = Settings(
        data_dir=tmp_path,
        alerts_smtp_host="smtp.example.org",
        alerts_smtp_username=USER,
        alerts_smtp_password=PASSWORD,
    )
    article = tagged_corpus()[0]
    with pytest.raises(Refused, match="unencrypted"):  # refused before any connection is made
        send_email(
            "analyst@example.org", letter(from_article("isis", article, article.id)), settings
        )
