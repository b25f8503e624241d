"""The `rasad alerts` commands on the embedded default (memory bus,
SQLite): add, list, test, fired, rm.
"""

from __future__ import annotations

import json
import os

from tests.helpers.cli import invoke as rasad
from tests.helpers.paths import SEED


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


def test_rules_as_files_state_and_history_from_the_command_line(tmp_path):
    env = {"RASAD_DATA_DIR": str(tmp_path), "RASAD_BUS": "memory://"}
    rasad(
        "alerts",
        "add",
        "isis",
        "--query",
        "ISIS",
        "--digest",
        "30",
        "--template",
        "$title ($source)",
        "--subject",
        "[$rule] $title",
        env=env,
        check=True,
    )
    rasad(
        "alerts",
        "add",
        "wires-quiet",
        "--silence-by",
        "source",
        "--key",
        "Reuters",
        "--quiet-for",
        "2h",
        env=env,
        check=True,
    )
    bad = rasad("alerts", "add", "x", "--query", "ISIS", "--template", "$headline", env=env)
    assert bad.returncode == 1 and "unknown field $headline" in bad.stderr.decode()
    bad = rasad("alerts", "add", "y", "--silence-by", "source", "--quiet-for", "soon", env=env)
    assert bad.returncode == 1 and "bad duration 'soon'" in bad.stderr.decode()
    listed = rasad("alerts", "list", env=env, check=True).stdout.decode()
    assert "isis" in listed and "wires-quiet" in listed and "2 rule(s)" in listed

    assert (
        "disabled rule isis"
        in rasad("alerts", "disable", "isis", env=env, check=True).stdout.decode()
    )
    assert "disabled" in rasad("alerts", "list", env=env, check=True).stdout.decode()
    rasad("alerts", "enable", "isis", env=env, check=True)
    snoozed = rasad("alerts", "snooze", "isis", "--for", "2h", env=env, check=True).stdout.decode()
    assert snoozed.startswith("snoozed rule isis until")
    assert "snoozed" in rasad("alerts", "list", env=env, check=True).stdout.decode()
    rasad("alerts", "unsnooze", "isis", env=env, check=True)
    missing = rasad("alerts", "snooze", "nope", env=env)
    assert missing.returncode == 1 and "no rule named 'nope'" in missing.stderr.decode()

    path = tmp_path / "rules.yaml"
    rasad("alerts", "export", str(path), env=env, check=True)
    text = path.read_text()
    assert "name: isis" in text and "secret" not in text and "digest_minutes: 30.0" in text
    as_json = json.loads(rasad("alerts", "export", "--format", "json", env=env, check=True).stdout)
    assert [r["name"] for r in as_json["rules"]] == ["isis", "wires-quiet"]
    isis, quiet = as_json["rules"]
    assert (isis["delivery"], isis["digest_minutes"]) == ("digest", 30)
    assert isis["message"] == {"subject": "[$rule] $title", "text": "$title ($source)"}
    assert quiet["silence"] == {"keys": ["reuters"], "after": 7200.0}
    assert "snoozed_until" not in isis  # unsnoozed
    taken = rasad("alerts", "import", str(path), env=env)
    assert taken.returncode == 1 and "exist already" in taken.stderr.decode()
    other = {"RASAD_DATA_DIR": str(tmp_path / "other"), "RASAD_BUS": "memory://"}
    assert "2 new" in rasad("alerts", "import", str(path), env=other, check=True).stdout.decode()
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps([{"name": "ok", "query": "Putin"}, {"name": "no", "query": "x:y"}])
    )
    refused = rasad("alerts", "import", str(broken), "--replace", env=other)
    assert refused.returncode == 1 and "rule 2 (no)" in refused.stderr.decode()
    assert "ok" not in rasad("alerts", "list", env=other, check=True).stdout.decode().split()
    rasad("alerts", "import", str(path), "--replace", env=other, check=True)

    rasad("produce", str(SEED), env=env, check=True)
    fired = rasad("alerts", "fired", "--since", "1h", "--json", env=env, check=True).stdout.decode()
    [record] = [json.loads(line) for line in fired.splitlines()]
    assert record["rule"] == "isis" and record["deliveries"] == []
    assert rasad("alerts", "fired", "--until", "2h", "--json", env=env, check=True).stdout == b""
    assert (
        "page 1: 1 of 1 alert(s)" in rasad("alerts", "fired", env=env, check=True).stdout.decode()
    )
