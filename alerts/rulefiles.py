"""Rules as files: every rule exported as YAML or JSON, and a file of rules imported all or nothing.

A file is ``{"rules": [...]}`` (or just the list), each rule as the API takes it. Importing
validates every rule first and saves none unless all are good, naming each bad one; a name
that is taken is refused unless ``replace`` is given, and then the stored rule is replaced
(keeping its webhook signing secret when the file has none, so receivers keep verifying).
Exports leave the secrets out unless asked (a file is easily shared).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from alerts.rules import AlertRule, new_rule
from alerts.rulestores import RuleStore
from rasad.concepts import Lexicon
from rasad.errors import BadInput

FORMATS = ("yaml", "json")
MAX_BYTES = 5_000_000
_SHOWN = 20  # problems listed in one error


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    added: list[str]
    replaced: list[str]


def export_rules(rules: list[AlertRule], fmt: str = "yaml", with_secrets: bool = False) -> str:
    """The rules as a YAML or JSON document (defaults left out, so files stay short)."""
    if fmt not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}", reason="bad_request")
    data = {"rules": [rule_document(r, with_secrets) for r in rules]}
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def rule_document(rule: AlertRule, with_secret: bool = False) -> dict[str, Any]:
    """One rule as a file holds it: its name and query first, then what differs from defaults."""
    data = rule.model_dump(
        mode="json", exclude_defaults=True, exclude=None if with_secret else {"secret"}
    )
    return {"name": rule.name, "query": rule.query, **data}


def read_rules(text: str, lexicon: Lexicon) -> tuple[list[AlertRule], set[str]]:
    """Every rule of a YAML or JSON document, validated; and the names that carried a secret.

    ``BadInput`` naming every bad rule (by position and name) when any is bad.
    """
    items = _items(_load(text))
    rules, with_secret, problems = [], set(), []
    for position, item in enumerate(items, 1):
        name = item.get("name") if isinstance(item, dict) else None
        try:
            rule = new_rule(item, lexicon)
        except BadInput as exc:
            problems.append(f"rule {position}{f' ({name})' if name else ''}: {exc}")
            continue
        rules.append(rule)
        if isinstance(item, dict) and item.get("secret"):
            with_secret.add(rule.name)
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            problems.append(f"rule {rule.name!r} is in the file twice")
        seen.add(rule.name)
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise BadInput(f"nothing imported: {'; '.join(problems[:_SHOWN])}{more}", reason="bad_rule")
    return rules, with_secret


def import_rules(
    store: RuleStore, rules: list[AlertRule], with_secret: set[str], replace: bool = False
) -> Imported:
    """Save validated rules at once; ``BadInput`` (nothing saved) if a name is taken, unless
    ``replace``."""
    existing = {r.name: r for r in store.rules()}
    taken = [r.name for r in rules if r.name in existing]
    if taken and not replace:
        raise BadInput(
            f"nothing imported: {len(taken)} rule(s) exist already ({', '.join(taken[:10])}); "
            "import with replace to overwrite them",
            reason="bad_rule",
        )
    for rule in rules:
        if rule.name in existing and rule.name not in with_secret:
            rule.secret = existing[rule.name].secret
    if rules:
        store.add_many(rules)
    return Imported([r.name for r in rules if r.name not in existing], taken)


def _load(text: str) -> Any:
    """A YAML (or JSON: YAML reads it) document; aliases refused (no exponential expansion)."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise BadInput(f"a rules file is at most {MAX_BYTES // 1_000_000} MB", reason="bad_rule")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise BadInput("a rules file may not use YAML aliases (*name)", reason="bad_rule")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"not a YAML or JSON document: {exc}", reason="bad_rule") from exc


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        return list(data["rules"])
    if isinstance(data, list):
        return data
    raise BadInput('a rules file holds {"rules": [...]} or a list of rules', reason="bad_rule")
