"""An alert being delivered when the worker is killed: after the restart it is delivered and
recorded as such — never left `pending` with 0 attempts in the alert log."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaProducer

from tests.helpers.faults import RULE, Outputs, stories
from tests.helpers.groups import flow_report
from tests.helpers.processes import rasad, settings_from, wait_for
from tests.helpers.receivers import WebhookReceiver

pytestmark = pytest.mark.stack


def test_an_alert_cut_off_by_a_crash_is_delivered_after_the_restart(stack_env, worker):
    hook = WebhookReceiver(delay=3.0)  # the answer comes after the worker is gone
    env = {
        **stack_env,
        "RASAD_WORKER_INSTANCE": "delivery-1",
        "RASAD_ALERTS_ALLOW_PRIVATE": "true",
        "RASAD_ALERTS_RELOAD_INTERVAL": "1",
    }
    settings = settings_from(env)
    rasad("alerts", "add", RULE, "--query", RULE, "--webhook", hook.url, env=env, check=True)
    [story] = [s for s in stories(1, tag=settings.worker_id) if s.matches]
    out = Outputs(settings)
    w = worker(env=env)
    producer = KafkaProducer(bootstrap_servers=settings.bus.bootstrap)
    producer.send(settings.topic_raw, key=story.id.encode(), value=story.value)
    producer.close()
    try:
        wait_for(lambda: w.check() or hook.arrived, timeout=120, message="the webhook called")
        w.process.kill()  # mid-delivery: the webhook has the alert, the log does not know
        w.process.wait()
        [cut] = wait_for(out.alerts, timeout=30, message="the alert log")
        assert [(d.status, d.attempts) for d in cut.deliveries] == [("pending", 0)]
        w = worker(env=env)
        try:
            [alert] = wait_for(lambda: w.check() or out.finished_alerts(1), timeout=120,
                               message="the alert finished after the restart")  # fmt: skip
        except AssertionError as exc:  # where the restarted worker's stream stands, and why
            diagnosis = w.diagnosis()
            raise AssertionError(
                f"{exc}\n{flow_report(settings.bus.bootstrap, settings.worker_id)}\n{diagnosis}"
            ) from exc
        assert alert.id == cut.id and alert.story_id == story.id
        assert [(d.status, d.attempts) for d in alert.deliveries] == [("delivered", 1)]
        # At least once: the receiver may see it twice, always under the same alert id.
        assert {json.loads(body)["id"] for body in hook.arrived} == {alert.id}
    finally:
        hook.close()
        out.close()
