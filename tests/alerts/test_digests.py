"""Digest delivery: a digest rule's alerts wait ``queued`` in the log and go out as one message
per destination once their period has ended, once whichever process runs the timer."""

from __future__ import annotations

from datetime import timedelta

from alerts.alert import from_article
from alerts.destinations.dispatcher import Dispatcher
from alerts.destinations.webhook import SIGNATURE_HEADER, verify
from alerts.digests import Digests, period_end
from alerts.rules import new_rule
from rasad import concepts
from rasad.model import utcnow
from rasad.settings import Settings
from tests.alerts.corpus import tagged_corpus
from tests.helpers.receivers import SmtpServer, WebhookReceiver, closed_port_url


def settings(tmp_path, smtp_port: int = 25) -> Settings:
    return Settings(
        data_dir=tmp_path,
        alerts_allow_private=True,
        alerts_retries=1,
        alerts_backoff=0.01,
        alerts_timeout=2.0,
        alerts_smtp_port=smtp_port,
    )


def test_queued_alerts_go_out_as_one_message_per_destination_after_their_period(
    rule_store, tmp_path
):
    hook, smtp, down = WebhookReceiver(), SmtpServer(), closed_port_url()
    try:
        rule = new_rule(
            {
                "name": "isis-digest",
                "query": "ISIS",
                "delivery": "digest",
                "digest_minutes": 60,
                "webhooks": [hook.url, down],
                "emails": ["desk@example.org"],
                "message": {"text": "* $title ($source)"},
            },
            concepts.load(),
        )
        rule_store.add(rule)
        dispatcher = Dispatcher(settings(tmp_path, smtp.port), rule_store)
        articles = [a for a in tagged_corpus() if a.language in ("en", "fr")][:3]
        alerts = [from_article(rule.name, a, a.id) for a in articles]
        for future in dispatcher.submit_many([(a, rule, False) for a in alerts]):
            future.result(timeout=10)
        assert hook.bodies() == [] and smtp.messages == []  # queued, not sent
        queued = rule_store.queued(utcnow() + timedelta(seconds=1))
        assert sorted(a.id for a in queued) == sorted(a.id for a in alerts)
        assert all(d.status == "queued" for a in queued for d in a.deliveries)
        assert all(a.latency.delivered is None for a in queued)

        digests = Digests(rule_store, dispatcher, lambda: {rule.name: rule})
        now = utcnow()
        assert digests.run(now) == []  # the period has not ended
        later = period_end(now, 60) + timedelta(hours=1, seconds=1)
        done = digests.run(later)
        assert len(done) == 3
        [body] = hook.bodies()
        assert body["digest"]["count"] == 3 and {a["id"] for a in body["alerts"]} == {
            a.id for a in alerts
        }
        assert "* Airstrikes hit ISIS positions near Raqqa (Reuters)" in body["message"]
        [(_, recipients, mail)] = smtp.messages
        assert recipients == ["desk@example.org"] and b"isis-digest: 3 alert(s)" in mail
        # What each destination did is in every alert's record; nothing is queued any more.
        log = {a.id: a for a in rule_store.alerts("isis-digest")}
        for alert in log.values():
            statuses = {(d.kind, d.target): d.status for d in alert.deliveries}
            assert statuses[("webhook", hook.url)] == "delivered"
            assert statuses[("webhook", down)] == "failed"
            assert statuses[("email", "desk@example.org")] == "delivered"
            assert alert.latency.delivered is not None
        assert rule_store.queued(later) == []
        # Another process's timer (or this one again) finds nothing left to send.
        assert Digests(rule_store, dispatcher, dict).run(later) == []
        assert len(hook.bodies()) == 1
        dispatcher.close()
    finally:
        hook.close()
        smtp.close()


def test_the_webhook_digest_is_signed_and_a_period_is_claimed_once(rule_store, tmp_path):
    hook = WebhookReceiver()
    try:
        rule = new_rule(
            {
                "name": "d",
                "query": "Putin",
                "delivery": "digest",
                "digest_minutes": 5,
                "webhooks": [hook.url],
            },
            concepts.load(),
        )
        rule_store.add(rule)
        dispatcher = Dispatcher(settings(tmp_path), rule_store)
        article = tagged_corpus()[4]
        dispatcher.submit(from_article("d", article, article.id), rule).result(timeout=10)
        later = utcnow() + timedelta(minutes=6)
        first, second = Digests(rule_store, dispatcher), Digests(rule_store, dispatcher)
        assert len(first.run(later)) == 1 and second.run(later) == []
        [(headers, raw)] = hook.requests
        assert verify(rule.secret, raw, headers[SIGNATURE_HEADER.lower()])
        dispatcher.close()
    finally:
        hook.close()


def test_queued_alerts_of_a_removed_rule_are_recorded_as_failed(rule_store, tmp_path):
    rule = new_rule(
        {"name": "gone", "query": "ISIS", "delivery": "digest", "emails": ["a@example.org"]},
        concepts.load(),
    )
    dispatcher = Dispatcher(settings(tmp_path), rule_store)
    article = tagged_corpus()[3]
    dispatcher.submit(from_article("gone", article, article.id), rule).result(timeout=10)
    [alert] = Digests(rule_store, dispatcher).run(utcnow() + timedelta(hours=2))
    assert alert.deliveries[0].status == "failed" and "removed" in alert.deliveries[0].reason
    assert rule_store.queued(utcnow() + timedelta(hours=2)) == []
    dispatcher.close()


def test_the_embedded_pipeline_sends_a_due_digest_on_its_timer(tmp_path):
    import wiring
    from tests.helpers.processes import wait_for

    hook = WebhookReceiver()
    settings = Settings(
        data_dir=tmp_path, bus="memory://", alerts_check_interval=0.2, alerts_allow_private=True
    )
    lexicon = wiring.lexicon()
    rules = wiring.open_rules(settings)
    rules.add(
        new_rule(
            {
                "name": "quick",
                "query": "Geneva",
                "delivery": "digest",
                "digest_minutes": 0.05,
                "webhooks": [hook.url],
            },
            lexicon,
        )
    )
    pipeline = wiring.open_pipeline(settings, lexicon)
    try:
        pipeline.bus.publish(
            settings.topic_raw,
            None,
            b'{"title": "Talks in Geneva", "text": "Delegates met in Geneva."}',
        )
        [body] = wait_for(hook.bodies, timeout=20, message="the digest")
        assert body["rule"] == "quick" and body["digest"]["count"] == 1
        [alert] = wait_for(
            lambda: [a for a in rules.alerts("quick") if a.latency.delivered], timeout=10
        )
        assert alert.deliveries[0].status == "delivered"
    finally:
        pipeline.close()
        hook.close()
