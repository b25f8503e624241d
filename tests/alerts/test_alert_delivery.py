"""Delivery: the SSRF guard, webhook signatures, retries, independent
destinations, email over SMTP.
"""

from __future__ import annotations

import socket
import time
from email import message_from_bytes
from email.policy import default as email_policy

import httpx
import pytest

from alerts.alert import from_article
from alerts.destinations import guard
from alerts.destinations.dispatcher import Dispatcher
from alerts.destinations.webhook import SIGNATURE_HEADER, sign, verify
from alerts.rules import AlertRule
from rasad.settings import Settings
from tests.alerts.corpus import tagged_corpus
from tests.helpers.processes import wait_for
from tests.helpers.receivers import SmtpServer, WebhookReceiver, closed_port_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/x",
        "http://10.1.2.3/",
        "http://192.168.0.5/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://metadata.google.internal/",
        "http://100.64.0.1/",
    ],
)
def test_guard_refuses_internal_addresses(url):
    with pytest.raises(guard.Refused):
        guard.check(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http:///nohost"]
)
def test_guard_refuses_other_schemes(url):
    with pytest.raises(guard.Refused):
        guard.check(url, allow_private=True)


def test_guard_allows_public_addresses_and_local_only_when_told():
    assert guard.check("https://93.184.216.34/hook") == ["93.184.216.34"]
    assert guard.check("http://127.0.0.1:9/hook", allow_private=True) == ["127.0.0.1"]
    with pytest.raises(guard.Refused, match="metadata"):
        guard.check("http://169.254.169.254/", allow_private=True)  # never, even for local use


def test_signature_verifies_and_detects_tampering():
    body = b'{"rule":"isis"}'
    now = int(time.time())
    header = sign("s3cret", body, now)
    assert header.startswith(f"t={now},v1=")
    assert verify("s3cret", body, header)
    assert not verify("other", body, header)
    assert not verify("s3cret", body + b" ", header)
    assert not verify("s3cret", body, sign("s3cret", body, now - 3600))  # stale: a replayed request
    assert not verify("s3cret", body, "garbage")


def _settings(tmp_path, **overrides) -> Settings:
    base = {
        "data_dir": tmp_path,
        "alerts_allow_private": True,
        "alerts_retries": 2,
        "alerts_backoff": 0.01,
        "alerts_timeout": 2.0,
    }
    return Settings(**{**base, **overrides})


def _alert(rule: str = "isis"):
    return from_article(rule, tagged_corpus()[0], tagged_corpus()[0].id)


def test_webhook_is_signed_and_recorded_delivered(tmp_path, rule_store):
    receiver = WebhookReceiver()
    try:
        rule = AlertRule(name="isis", query="ISIS", webhooks=[receiver.url])
        dispatcher = Dispatcher(_settings(tmp_path), rule_store)
        final = dispatcher.submit(_alert(), rule).result(timeout=10)
    finally:
        receiver.close()
    headers, body = receiver.requests[0]
    assert verify(rule.secret, body, headers[SIGNATURE_HEADER.lower()])
    assert receiver.bodies()[0]["rule"] == "isis"
    assert (
        final.deliveries[0].status == "delivered"
        and final.latency.delivered >= final.latency.matched
    )
    assert rule_store.alerts()[0].deliveries[0].status == "delivered"


def test_loopback_webhook_is_refused_unless_allowed(tmp_path, rule_store):
    receiver = WebhookReceiver()
    try:
        rule = AlertRule(name="isis", query="ISIS", webhooks=[receiver.url])
        final = (
            Dispatcher(_settings(tmp_path, alerts_allow_private=False), rule_store)
            .submit(_alert(), rule)
            .result(10)
        )
    finally:
        receiver.close()
    assert receiver.requests == []
    assert final.deliveries[0].status == "refused" and "loopback" in final.deliveries[0].reason
    assert final.deliveries[0].attempts == 1  # a refusal is not retried


def test_down_webhook_is_retried_then_recorded_failed_without_blocking_others(tmp_path, rule_store):
    slow_ok = WebhookReceiver(delay=0.3)
    erroring = WebhookReceiver(status=503)
    try:
        rule = AlertRule(
            name="isis", query="ISIS", webhooks=[closed_port_url(), erroring.url, slow_ok.url]
        )
        final = (
            Dispatcher(_settings(tmp_path), rule_store).submit(_alert(), rule).result(timeout=20)
        )
    finally:
        slow_ok.close()
        erroring.close()
    down, five_hundred, ok = final.deliveries
    assert (down.status, down.attempts) == ("failed", 3) and down.reason
    assert (five_hundred.status, five_hundred.attempts) == (
        "failed",
        3,
    ) and "503" in five_hundred.reason
    assert len(erroring.requests) == 3
    assert ok.status == "delivered" and ok.attempts == 1
    recorded = rule_store.alerts()[0]
    assert [d.status for d in recorded.deliveries] == ["failed", "failed", "delivered"]


def test_the_request_goes_to_the_address_the_guard_checked_not_a_second_dns_answer(monkeypatch):
    """DNS rebinding: the name answers a vetted address to the guard, then an internal one.

    No second lookup is made.
    """
    import socket

    from alerts.destinations.connections import WebhookClient

    receiver = WebhookReceiver()
    port = receiver.server.server_address[1]
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]])
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real(host, *args, **kwargs)
        lookups.append(host)  # a second lookup would get an address where nothing listens
        return next(answers, [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.255.255.1", port))])

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    client = WebhookClient()
    try:
        client.post(
            f"http://hooks.rebind.test:{port}/hook?x=1",
            b"{}",
            {"X-Test": "1"},
            timeout=5,
            allow_private=True,
        )
    finally:
        client.close()
        receiver.close()
    assert lookups == ["hooks.rebind.test"]
    headers, body = receiver.requests[0]
    assert (
        headers["host"] == f"hooks.rebind.test:{port}"
        and headers["x-test"] == "1"
        and body == b"{}"
    )


def test_redirects_are_not_followed(tmp_path, rule_store):
    receiver = WebhookReceiver(status=302)
    try:
        rule = AlertRule(name="isis", query="ISIS", webhooks=[receiver.url])
        final = Dispatcher(_settings(tmp_path), rule_store).submit(_alert(), rule).result(10)
    finally:
        receiver.close()
    assert final.deliveries[0].status == "refused" and "redirect" in final.deliveries[0].reason


def test_email_and_slack_are_delivered(tmp_path, rule_store):
    smtp = SmtpServer()
    slack = WebhookReceiver()
    try:
        settings = _settings(
            tmp_path, alerts_smtp_port=smtp.port, alerts_smtp_sender="rasad@example.org"
        )
        rule = AlertRule(
            name="isis", query="ISIS", emails=["analyst@example.org"], slack=[slack.url]
        )
        final = Dispatcher(settings, rule_store).submit(_alert(), rule).result(timeout=10)
    finally:
        smtp.close()
        slack.close()
    assert [d.status for d in final.deliveries] == ["delivered", "delivered"]
    sender, recipients, raw = smtp.messages[0]
    mail = message_from_bytes(raw, policy=email_policy)
    assert (sender, recipients) == ("rasad@example.org", ["analyst@example.org"])
    assert "isis" in mail["Subject"] and "داعش" in mail["Subject"]
    assert slack.bodies()[0]["text"].startswith("*isis*: <https://news.example/0|")


def test_smtp_down_is_recorded_failed(tmp_path, rule_store):
    from tests.helpers.network import free_port

    settings = _settings(tmp_path, alerts_smtp_port=free_port(), alerts_retries=1)
    rule = AlertRule(name="isis", query="ISIS", emails=["a@example.org"])
    final = Dispatcher(settings, rule_store).submit(_alert(), rule).result(timeout=10)
    assert (final.deliveries[0].status, final.deliveries[0].attempts) == ("failed", 2)
    assert "SMTP" in final.deliveries[0].reason


def test_background_batches_record_every_alert_and_deliver_without_waiting_for_the_log(
    tmp_path, rule_store
):
    receiver = WebhookReceiver()
    try:
        hooked = AlertRule(name="isis", query="ISIS", webhooks=[receiver.url])
        quiet = [AlertRule(name=f"quiet-{i}", query="ISIS") for i in range(50)]  # topic-only rules
        throttled = AlertRule(name="busy", query="ISIS", webhooks=[receiver.url])
        dispatcher = Dispatcher(_settings(tmp_path), rule_store)
        batch = [
            (_alert("isis"), hooked, False),
            *[(_alert(r.name), r, False) for r in quiet],
            (_alert("busy"), throttled, True),
        ]
        assert dispatcher.submit_background(batch) is None  # returns at once; the stream goes on
        dispatcher.drain(timeout=10)
    finally:
        receiver.close()
    recorded = {a.rule: a for a in rule_store.alerts(limit=100)}
    assert set(recorded) == {"isis", "busy", *(r.name for r in quiet)}
    assert recorded["isis"].deliveries[0].status == "delivered"
    assert recorded["busy"].deliveries[0].status == "throttled"
    assert all(
        recorded[r.name].deliveries == [] and recorded[r.name].latency.delivered for r in quiet
    )
    assert [b["rule"] for b in receiver.bodies()] == ["isis"]  # the throttled one is never sent


def test_an_address_in_the_url_is_checked_without_a_dns_lookup(monkeypatch):
    import socket

    def no_lookup(*args, **kwargs):
        raise AssertionError("an address needs no DNS lookup")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    assert guard.check("http://127.0.0.1:9/hook", allow_private=True) == ["127.0.0.1"]
    assert guard.check("https://[2606:4700::1111]/hook") == ["2606:4700::1111"]
    with pytest.raises(guard.Refused, match="resolves to ::1"):
        guard.check("http://[::1]:9/hook")


def test_a_destination_is_resolved_once_per_vetting_period_and_vetted_again_after_it(
    monkeypatch,
):
    """No DNS lookup per alert; after ``VETTED_FOR`` the guard runs again on a fresh answer
    (here the name now points at the cloud metadata address: refused)."""
    import socket

    from alerts.destinations import connections

    receiver = WebhookReceiver()
    port = receiver.server.server_address[1]
    real = socket.getaddrinfo
    answer = ["127.0.0.1"]
    lookups = []

    def counted(host, *args, **kwargs):
        if host != "hooks.count.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer[0], port))]

    monkeypatch.setattr(socket, "getaddrinfo", counted)
    client = connections.WebhookClient()
    now = [1000.0]
    client._clock = lambda: now[0]
    url = f"http://hooks.count.test:{port}/hook"
    try:
        for _ in range(3):
            client.post(url, b"{}", {}, timeout=5, allow_private=True)
        assert lookups == ["hooks.count.test"]
        answer[0] = "169.254.169.254"
        now[0] += connections.VETTED_FOR - 1
        client.post(url, b"{}", {}, timeout=5, allow_private=True)  # still the vetted address
        now[0] += 2
        with pytest.raises(guard.Refused, match="metadata"):
            client.post(url, b"{}", {}, timeout=5, allow_private=True)
        assert len(lookups) == 2
    finally:
        client.close()
        receiver.close()
    assert len(receiver.requests) == 4


def test_the_receiver_counts_a_post_cut_off_by_its_senders_death_as_no_delivery():
    # A worker killed between a webhook's headers and its body delivered nothing: the fault
    # tests count deliveries with this receiver, so a cut-off request must not be one.
    hook = WebhookReceiver()
    try:
        host, port = hook.server.server_address[:2]
        with socket.create_connection((host, port)) as cut:
            cut.sendall(b'POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{"id":')
        whole = httpx.post(hook.url, json={"id": "a"})
        assert whole.status_code == 200
        wait_for(lambda: hook.cut_off == 1, timeout=10, message="the cut-off request seen")
        assert hook.bodies() == [{"id": "a"}]
    finally:
        hook.close()
