"""Rules as files: YAML/JSON exports round-trip, imports are validated and all-or-nothing,
names that are taken need ``replace`` (which keeps the signing secret), secrets stay out by
default."""

from __future__ import annotations

import json

import pytest
import yaml

from alerts.rulefiles import export_rules, import_rules, read_rules
from alerts.rules import new_rule
from rasad import concepts
from rasad.errors import BadInput

RULES = [
    {"name": "isis", "query": "ISIS", "filters": {"lang": ["ar", "en"]}},
    {
        "name": "quiet-reuters",
        "silence": {"by": "source", "keys": ["Reuters"], "after": 3600},
        "delivery": "digest",
        "digest_minutes": 30,
        "emails": ["desk@example.org"],
        "message": {"subject": "[$rule] $silence_key", "text": "$title"},
    },
    {"name": "burst", "query": "country:SY", "spike": {"by": "country", "threshold": 20}},
]


def saved(store):
    lexicon = concepts.load()
    rules = [new_rule(r, lexicon) for r in RULES]
    store.add_many(rules)
    return rules


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_an_export_imports_back_to_the_same_rules(rule_store, tmp_path, fmt):
    rules = saved(rule_store)
    text = export_rules(rule_store.rules(), fmt)
    data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert [r["name"] for r in data["rules"]] == ["burst", "isis", "quiet-reuters"]
    assert all("secret" not in r for r in data["rules"])  # not shared by default
    assert "enabled" not in data["rules"][0]  # defaults left out
    imported, with_secret = read_rules(text, concepts.load())
    assert with_secret == set()
    keep = {"secret"}
    assert [r.model_dump(exclude=keep) for r in imported] == [
        r.model_dump(exclude=keep) for r in sorted(rules, key=lambda r: r.name)
    ]
    assert imported[2].silence.keys == ["reuters"]  # a source key, as documents store it


def test_an_import_with_a_bad_rule_saves_nothing_and_names_every_problem(rule_store):
    text = yaml.safe_dump(
        {
            "rules": [
                {"name": "good", "query": "ISIS"},
                {"name": "bad-filter", "query": "colour:red"},
                {"name": "bad-template", "query": "ISIS", "message": {"text": "$headline"}},
                {"query": "no name"},
                {"name": "good", "query": "Putin"},
            ]
        }
    )
    with pytest.raises(BadInput) as error:
        read_rules(text, concepts.load())  # validation refuses the file: nothing to import
    message = str(error.value)
    assert message.startswith("nothing imported:")
    assert "rule 2 (bad-filter): unknown filter 'colour'" in message
    assert "rule 3 (bad-template)" in message and "$headline" in message
    assert "rule 4: invalid rule: name" in message
    assert "'good' is in the file twice" in message
    assert rule_store.rules() == []


def test_taken_names_need_replace_which_keeps_the_signing_secret(rule_store):
    rules = saved(rule_store)
    secret = next(r.secret for r in rules if r.name == "isis")
    text = json.dumps([{"name": "isis", "query": "داعش"}, {"name": "new", "query": "Putin"}])
    imported, with_secret = read_rules(text, concepts.load())
    with pytest.raises(BadInput, match=r"1 rule\(s\) exist already \(isis\)"):
        import_rules(rule_store, imported, with_secret)
    assert rule_store.get("new") is None and rule_store.get("isis").query == "ISIS"
    done = import_rules(rule_store, imported, with_secret, replace=True)
    assert (done.added, done.replaced) == (["new"], ["isis"])
    assert rule_store.get("isis").query == "داعش" and rule_store.get("isis").secret == secret
    # A file with the secret (an export --with-secrets) sets it.
    again = export_rules([rule_store.get("isis")], "yaml", with_secrets=True)
    assert secret in again
    imported, with_secret = read_rules(again.replace(secret, "f" * 32), concepts.load())
    import_rules(rule_store, imported, with_secret, replace=True)
    assert rule_store.get("isis").secret == "f" * 32


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [\n", "not a YAML or JSON document"),
        ("just text", "holds"),
        ("a: &x [1, 2]\nrules: *x\n", "aliases"),
        ("rules:\n  - name: x\n    query: ISIS\n    created_at: 2025-01-01 10:00:00\n", "timezone"),
    ],
)
def test_files_that_are_not_rules_are_refused(text, message):
    with pytest.raises(BadInput, match=message):
        read_rules(text, concepts.load())
