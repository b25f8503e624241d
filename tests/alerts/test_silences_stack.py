"""Silence rules and digests on the real stack: two alerts workers share the tagged partitions,
each article a silence rule hears is counted on its key's partition, and the timer of the worker
holding that partition fires the silence once; a key named by the rule but never heard fires
too. The workers' timers send a digest rule's alerts once, as one webhook."""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaProducer

from alerts.rulestores.opensearch import OpenSearchRuleStore
from rasad.bus.kafka import ensure_topics
from rasad.model import utcnow
from tests.helpers.groups import tagger_and_two_alerters, urls_on_partitions
from tests.helpers.processes import rasad, settings_from, wait_for
from tests.helpers.receivers import WebhookReceiver

pytestmark = pytest.mark.stack

QUIET = 8  # seconds of silence that fire
GAP = 2.0  # seconds between Pulse Wire's articles


@pytest.fixture
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def test_two_alerts_workers_fire_each_silence_and_digest_once(stack_env, worker, tmp_path, hook):
    env = {
        **stack_env,
        "RASAD_ALERTS_RELOAD_INTERVAL": "1",
        "RASAD_ALERTS_CHECK_INTERVAL": "1",
        "RASAD_ALERTS_ALLOW_PRIVATE": "true",
    }
    settings = settings_from(env)
    brokers = settings.bus.bootstrap
    for args in (
        ("wire-quiet", "--query", "zorblax", "--silence-by", "source"),
        ("ghost", "--silence-by", "source", "--key", "Ghost Wire"),
    ):
        rasad("alerts", "add", *args, "--quiet-for", f"{QUIET}s", env=env, check=True)
    digest = ("pulse-digest", "--query", "zorblax", "--digest", "0.05", "--webhook", hook.url)
    rasad("alerts", "add", *digest, env=env, check=True)
    ensure_topics(brokers, settings)
    tagger, alerters = tagger_and_two_alerters(worker, env, settings, tmp_path)
    producer = KafkaProducer(bootstrap_servers=brokers)
    # Tagged partitions 0, 1, 0, 1: each alerts worker hears two of Pulse Wire's four articles.
    started = time.monotonic()
    for n, url in enumerate(urls_on_partitions([0, 1, 0, 1], settings.worker_id)):
        body = {
            "url": url,
            "title": f"Zorblax bulletin {n}",
            "text": f"A zorblax was reported over Syria, bulletin number {n}.",
            "source": "Pulse Wire",
            "language": "en",
            "ingested_at": utcnow().isoformat(),
        }
        producer.send(settings.topic_raw, json.dumps(body).encode())
        producer.flush()
        # Apart enough that the two workers' observations reach the key's partition in order
        # (one heard after a later one counts as late, not as a gap) on a loaded machine too.
        time.sleep(GAP)
    producer.close()
    log = OpenSearchRuleStore(settings.store, prefix=settings.index_alias)

    def fired(rule: str):
        def alerts():
            for w in (tagger, *alerters):
                w.check()
            try:
                return log.alerts(rule)
            except Exception:  # the log index appears with the first record
                return []

        return alerts

    [ghost] = wait_for(fired("ghost"), timeout=120, message="the never-heard key's silence")
    assert ghost.kind == "silence" and ghost.silence["key"] == "ghost-wire"
    [pulse] = wait_for(fired("wire-quiet"), timeout=120, message="Pulse Wire's silence")
    assert pulse.silence["key"] == "pulse-wire" and pulse.silence["quiet"] >= QUIET
    assert time.monotonic() - started >= QUIET
    assert pulse.silence["usual_gap"] == pytest.approx(GAP, abs=1.2)  # three gaps heard
    assert pulse.article_id  # the last article heard, whichever worker tagged it
    time.sleep(4)  # more timer ticks on both workers: still one alert per silence
    assert len(log.alerts("wire-quiet")) == 1 and len(log.alerts("ghost")) == 1

    # The digest: every alert of the rule sent once (one webhook per period) and recorded.
    def all_sent() -> list:
        alerts = log.alerts("pulse-digest")
        sent = [a["id"] for body in hook.bodies() for a in body["alerts"]]
        done = alerts and all(a.latency.delivered for a in alerts)
        return alerts if done and sorted(sent) == sorted(a.id for a in alerts) else []

    digested = wait_for(all_sent, timeout=60, message="the digest rule's alerts sent once")
    assert all(d.status == "delivered" for a in digested for d in a.deliveries)
    assert all("digest" in body for body in hook.bodies())
