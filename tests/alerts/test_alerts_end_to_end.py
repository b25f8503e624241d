"""Alerts on the real stack: Kafka → Faust worker (tagger + alerts agent) → a local webhook
receiver, a local SMTP server, the alerts topic and the OpenSearch alert log."""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer

from alerts.destinations.webhook import SIGNATURE_HEADER, verify
from alerts.rulestores.opensearch import OpenSearchRuleStore
from rasad.bus.kafka import ensure_topics
from rasad.model import utcnow
from tests.helpers.processes import rasad, settings_from, wait_for
from tests.helpers.receivers import SmtpServer, WebhookReceiver, closed_port_url

pytestmark = pytest.mark.stack
GRACE = 3.0  # seconds we give a wrong alert to show up before asserting it did not


def article(n: str, title: str, text: str, **extra) -> bytes:
    body = {
        "url": f"https://news.example/{n}",
        "title": title,
        "text": text,
        "source": "Test Wire",
        "ingested_at": utcnow().isoformat(),
        **extra,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class Stream:
    """Produces to the raw topic and reads the alert log the worker writes."""

    def __init__(self, env: dict[str, str]):
        self.settings = settings_from(env)
        self.producer = KafkaProducer(bootstrap_servers=self.settings.bus.bootstrap)
        self.log = OpenSearchRuleStore(self.settings.store, prefix=self.settings.index_alias)

    def send(self, *messages: bytes) -> None:
        for message in messages:
            self.producer.send(self.settings.topic_raw, message)
        self.producer.flush()

    def alerts(self, rule: str) -> list:
        try:
            return self.log.alerts(rule, limit=100)
        except Exception:  # the log index appears with the first rule store setup; until then: none
            return []

    def finished(self, rule: str, count: int) -> list | None:
        """The alerts of ``rule`` once ``count`` of them have all their
        deliveries settled, else None.
        """
        found = self.alerts(rule)
        settled = [a for a in found if all(d.status != "pending" for d in a.deliveries)]
        return found if len(settled) >= count else None

    def close(self) -> None:
        self.producer.close()


@pytest.fixture
def destinations():
    hook, smtp = WebhookReceiver(), SmtpServer()
    yield hook, smtp
    hook.close()
    smtp.close()


def add_rule(env: dict[str, str], *args: str) -> str:
    return rasad("alerts", "add", *args, env=env, check=True).stdout.decode()


def test_alerts_fire_once_per_story_spike_and_survive_failing_destinations(
    stack_env, worker, destinations
):
    hook, smtp = destinations
    env = {
        **stack_env,
        "RASAD_ALERTS_ALLOW_PRIVATE": "true",
        "RASAD_ALERTS_SMTP_PORT": str(smtp.port),
        "RASAD_ALERTS_RETRIES": "2",
        "RASAD_ALERTS_BACKOFF": "0.2",
        "RASAD_ALERTS_RELOAD_INTERVAL": "1",
    }
    saved = add_rule(
        env, "isis", "--query", "ISIS", "--webhook", hook.url, "--email", "analyst@example.org"
    )
    secret = saved.split("secret: ")[1].split(")")[0]
    add_rule(env, "marker", "--query", "zorblax", "--webhook", closed_port_url())
    add_rule(
        env,
        "burst",
        "--query",
        "zorblax",
        "--spike-by",
        "country",
        "--threshold",
        "3",
        "--window",
        "86400",
    )
    refused = rasad("alerts", "add", "broken", "--query", "colour:red", env=env)
    assert refused.returncode == 1 and "unknown filter 'colour'" in refused.stderr.decode()
    w = worker(env=env)
    ensure_topics(settings_from(env).bus.bootstrap, settings_from(env))
    stream = Stream(env)
    try:
        # An Arabic article that only says لداعش fires the rule written as "ISIS", with
        # a signed webhook and an email.
        stream.send(
            article(
                "a", "هجوم جديد", "أعلن مسؤولون أن الهجوم نسب لداعش قرب الحدود.", story_id="story-a"
            )
        )
        [first] = wait_for(
            lambda: w.check() or stream.finished("isis", 1), timeout=120, message="first alert"
        )
        headers, body = hook.requests[0]
        assert verify(secret, body, headers[SIGNATURE_HEADER.lower()])
        payload = json.loads(body)
        assert payload["rule"] == "isis" and payload["story_id"] == "story-a"
        assert {"ingested", "tagged", "matched"} <= set(payload["latency"])
        assert [d.status for d in first.deliveries] == ["delivered", "delivered"]
        assert (
            first.latency.delivered
            >= first.latency.matched
            >= first.latency.tagged
            >= first.latency.ingested
        )
        assert smtp.messages and smtp.messages[0][1] == ["analyst@example.org"]

        # A duplicate of the story does not fire again; a new story does.
        stream.send(article("a2", "هجوم جديد", "نسب الهجوم لداعش مرة أخرى.", story_id="story-a"))
        stream.send(article("c", "ISIS claims attack", "ISIS claimed the attack, officials said."))
        wait_for(
            lambda: w.check() or stream.finished("isis", 2),
            timeout=60,
            message="second story alert",
        )
        time.sleep(GRACE)
        assert (
            sorted(a.story_id for a in stream.alerts("isis"))[1] == "story-a"
            and len(stream.alerts("isis")) == 2
        )
        assert len(hook.requests) == 2

        # Spike: two zorblax articles about Syria stay below the
        # threshold of three; the third fires it.
        # Three different reports (not near-duplicates: those would share a story and fire once).
        reports = [
            "Farmers near the Euphrates in Syria reported a zorblax at dawn.",
            "A second zorblax was filmed over the desert of eastern Syria on Tuesday.",
            "Officials in Syria confirmed that a third zorblax crossed the border overnight.",
        ]
        stream.send(*(article(f"z{i}", f"Zorblax report {i}", reports[i]) for i in range(2)))
        wait_for(
            lambda: w.check() or stream.finished("marker", 2),
            timeout=60,
            message="two marker alerts",
        )
        time.sleep(GRACE)
        assert stream.alerts("burst") == []
        stream.send(article("z2", "Zorblax report 2", reports[2]))
        [spike] = wait_for(
            lambda: w.check() or stream.alerts("burst"), timeout=60, message="spike alert"
        )
        assert spike.kind == "spike" and spike.spike["key"] == "SY" and spike.spike["count"] == 3

        # The down webhook was retried (1 + 2 retries) and recorded as failed with the reason.
        marker = wait_for(
            lambda: stream.finished("marker", 3), timeout=30, message="marker alerts settled"
        )
        for alert in marker:
            [delivery] = alert.deliveries
            assert (delivery.status, delivery.attempts) == (
                "failed",
                3,
            ) and "Connection refused" in delivery.reason
        # Every alert also went to the alerts topic.
        assert len(read_topic(stream.settings, 6)) == 6  # isis ×2, marker ×3, burst ×1
    finally:
        w.stop()

    # A replay (a new consumer group reading the topic from the start) fires
    # nothing again; and without the
    # local-use setting a webhook to 127.0.0.1 is refused.
    replay_env = {
        **env,
        "RASAD_ALERTS_ALLOW_PRIVATE": "false",
        "RASAD_WORKER_ID": env["RASAD_WORKER_ID"] + "-replay",
    }
    w2 = worker(env=replay_env)
    try:
        stream.send(article("d", "ISIS again", "A new ISIS statement was published."))
        wait_for(
            lambda: w2.check() or stream.finished("isis", 3),
            timeout=120,
            message="alert after replay",
        )
        time.sleep(GRACE)
        assert (
            len(stream.alerts("isis")) == 3
            and len(stream.alerts("marker")) == 3
            and len(stream.alerts("burst")) == 1
        )
        newest = stream.alerts("isis")[0]
        assert (
            newest.deliveries[0].status == "refused" and "loopback" in newest.deliveries[0].reason
        )
        assert len(hook.requests) == 2  # nothing new reached the receiver
    finally:
        w2.stop()
        stream.close()


def read_topic(settings, expected: int) -> list[dict]:
    consumer = KafkaConsumer(
        settings.topic_alerts,
        bootstrap_servers=settings.bus.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    records = []
    for message in consumer:
        records.append(json.loads(message.value))
        if len(records) > expected:
            break
    consumer.close()
    return records
