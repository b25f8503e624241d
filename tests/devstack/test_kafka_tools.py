"""Kafka's own command-line tools against the stack (`rasad stack kafka …`), and the consumer lag
`rasad stack status` shows."""

from __future__ import annotations

import json
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition

from tests.devstack.test_stack import stack_cli_env
from tests.helpers.processes import rasad, settings_from

pytestmark = pytest.mark.stack


def test_the_console_producer_and_consumer_and_topics_tool_work(stack, stack_settings, stack_env):
    env = {**stack_cli_env(stack_settings), "RASAD_BUS": stack_env["RASAD_BUS"]}
    topic = "tools-" + uuid.uuid4().hex[:8]
    article = {"title": "Console", "text": "Sent by Kafka's console producer."}
    produced = rasad(
        "stack", "kafka", "console-producer", "--topic", topic,
        env=env, input=json.dumps(article).encode() + b"\n", timeout=120,
    )  # fmt: skip
    assert produced.returncode == 0, produced.stderr.decode()
    consumed = rasad(
        "stack", "kafka", "console-consumer", "--topic", topic, "--from-beginning",
        "--max-messages", "1", "--timeout-ms", "30000", env=env, timeout=120,
    )  # fmt: skip
    assert json.loads(consumed.stdout.decode().splitlines()[0]) == article
    listed = rasad("stack", "kafka", "topics", "--list", env=env, timeout=120)
    assert topic in listed.stdout.decode().split()
    unknown = rasad("stack", "kafka", "nonsense", env=env)
    assert unknown.returncode == 1 and "unknown Kafka tool" in unknown.stderr.decode()


def test_stack_status_shows_each_groups_lag(stack, stack_settings, stack_env):
    settings = settings_from(stack_env)
    topic, group = settings.topic_raw, "lagging-" + uuid.uuid4().hex[:6]
    producer = KafkaProducer(bootstrap_servers=settings.bus.bootstrap)
    for _ in range(5):
        producer.send(topic, b"{}", partition=0)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=settings.bus.bootstrap, group_id=group)
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(2, "", -1)})
    consumer.close()
    env = {**stack_cli_env(stack_settings), "RASAD_BUS": stack_env["RASAD_BUS"]}
    status = rasad("stack", "status", env=env, check=True).stdout.decode()
    [row] = [line for line in status.splitlines() if group in line]
    assert topic in row and " 3 " in row  # 5 produced, 2 committed
