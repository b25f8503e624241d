"""The `rasad alerts` commands on the embedded default (memory bus, SQLite): add, list, test, fired, rm."""

from __future__ import annotations

import json
import os

from tests.helpers.paths import SEED
from tests.helpers.cli import invoke as rasad


def test_alert_commands_on_the_embedded_pipeline(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update(RASAD_DATA_DIR=str(tmp_path), RASAD_BUS="memory://")
    assert (
        "saved rule isis"
        in rasad(
            "alerts", "add", "isis", "--query", "ISIS", "--lang", "ar", env=env, check=True
        ).stdout.decode()
    )
    rasad("alerts", "add", "london", "--query", "London", env=env, check=True)
    bad = rasad("alerts", "add", "bad", "--query", "ISIS", "--email", "not-an-address", env=env)
    assert bad.returncode == 1 and "bad email address" in bad.stderr.decode()
    listed = rasad("alerts", "list", env=env, check=True).stdout.decode()
    assert "isis" in listed and "london" in listed and "bad" not in listed.split()

    # Producing on the embedded default runs tagging, indexing and the alert evaluator in-process.
    rasad("produce", str(SEED), env=env, check=True)
    fired = [
        json.loads(line)
        for line in rasad("alerts", "fired", "--json", env=env, check=True)
        .stdout.decode()
        .splitlines()
    ]
    assert [a["rule"] for a in fired] == ["isis"]
    assert {"ingested", "tagged", "matched", "delivered"} <= set(fired[0]["latency"])

    tested = rasad("alerts", "test", "isis", "--days", "36500", env=env, check=True).stdout.decode()
    assert tested.startswith("1 article(s)") and "بوتين" in tested
    assert (
        rasad("alerts", "test", "london", "--days", "36500", env=env, check=True)
        .stdout.decode()
        .startswith("0 article(s)")
    )

    assert (
        "removed rule london"
        in rasad("alerts", "rm", "london", env=env, check=True).stdout.decode()
    )
    missing = rasad("alerts", "rm", "london", env=env)
    assert missing.returncode == 1 and "no rule named 'london'" in missing.stderr.decode()


def test_worker_refuses_an_unknown_role_among_several(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update(RASAD_DATA_DIR=str(tmp_path), RASAD_BUS="memory://")
    bad = rasad("worker", "--role", "tagger,alerting", env=env)
    assert bad.returncode == 1 and "unknown role 'alerting'" in bad.stderr.decode()
