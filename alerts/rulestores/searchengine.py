"""The rule store of the real stack: three indices beside the articles alias, in OpenSearch or
Elasticsearch (written once against ``rasad.engines.SearchEngine``; an engine's module only
names its client).

``PREFIX-alert-rules`` (one document per rule), ``PREFIX-alert-ledger`` (one document per
fired alert id, created with ``op_type=create`` so a second claim conflicts even before a
refresh) and ``PREFIX-alert-log`` (alert records with their deliveries).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, ClassVar

from alerts.alert import Alert
from alerts.rules import AlertRule
from alerts.rulestores import AlertPage, RuleStore, owners_by_id
from rasad.addresses import StoreAddress
from rasad.engines import ConflictError, EngineError, SearchEngine
from rasad.errors import BadInput, StoreError
from rasad.settings import Settings

_STORED = {
    "dynamic": "strict",
    "properties": {
        "name": {"type": "keyword"},
        "rule": {"type": "keyword"},
        "matched": {"type": "date"},
        "queued": {"type": "boolean"},  # a delivery waits for its rule's digest
        "body": {"type": "object", "enabled": False},
    },
}
_REVISION = "__revision__"


class SearchEngineRuleStore(RuleStore):
    """Rules, ledger and alerts in a search engine."""

    engine_class: ClassVar[type[SearchEngine]]

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchEngineRuleStore:
        return cls(settings.store, prefix=settings.index_alias, timeout=settings.store_timeout)

    def __init__(self, address: StoreAddress, prefix: str = "articles", timeout: float = 30):
        self.url = str(address)
        # Several threads share it (ledger claims on the executor, records from delivery threads).
        self.engine = self.engine_class(address, timeout, connections=16)
        self.rules_index, self.ledger_index, self.log_index = (
            f"{prefix}-alert-{n}" for n in ("rules", "ledger", "log")
        )

    def setup(self) -> None:
        body = {"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": _STORED}
        try:
            for index in (self.rules_index, self.ledger_index, self.log_index):
                if not self.engine.index_exists(index):
                    self.engine.create_index(index, body)
                else:  # fields added since the index was made (additive: safe to repeat)
                    self.engine.put_mapping(index, _STORED)
        except EngineError as exc:
            raise StoreError(f"alert store setup at {self.url} failed: {exc}") from exc

    def add(self, rule: AlertRule, replace: bool = False) -> None:
        try:
            self.engine.put_document(
                self.rules_index,
                rule.name,
                {"name": rule.name, "body": rule.model_dump(mode="json")},
                refresh=True,
                create=not replace,
            )
        except ConflictError as exc:
            raise BadInput(
                f"a rule named {rule.name!r} exists (remove it first)", reason="bad_rule"
            ) from exc
        self._bump()

    def add_many(self, rules: list[AlertRule]) -> None:
        for start in range(0, len(rules), 1000):
            body = [
                line
                for r in rules[start : start + 1000]
                for line in (
                    {"index": {"_index": self.rules_index, "_id": r.name}},
                    {"name": r.name, "body": r.model_dump(mode="json")},
                )
            ]
            result = self.engine.bulk(body, refresh=True)
            if result.get("errors"):
                raise StoreError(f"saving rules failed: {_first_error(result, 'index')}")
        self._bump()

    def get(self, name: str) -> AlertRule | None:
        if name == _REVISION:
            return None
        found = self.engine.get_document(self.rules_index, name)
        return AlertRule.model_validate(found["body"]) if found else None

    def rules(self) -> list[AlertRule]:
        out = []
        after = None
        while True:  # search_after paging: there can be 10,000s of rules
            body: dict[str, Any] = {
                "size": 1000,
                "sort": [{"name": "asc"}],
                "query": {"exists": {"field": "name"}},
            }
            if after:
                body["search_after"] = after
            hits = self.engine.search(self.rules_index, body)["hits"]["hits"]
            out += [AlertRule.model_validate(h["_source"]["body"]) for h in hits]
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def remove(self, name: str) -> bool:
        if not self.engine.delete_document(self.rules_index, name, refresh=True):
            return False
        self._bump()
        return True

    def _bump(self) -> None:
        self.engine.put_document(
            self.rules_index, _REVISION, {"body": {"revision": uuid.uuid4().hex}}, refresh=True
        )

    def revision(self) -> str:
        found = self.engine.get_document(self.rules_index, _REVISION)
        return str(found["body"]["revision"]) if found else ""

    def claim(self, alert_id: str) -> bool:
        try:
            self.engine.put_document(self.ledger_index, alert_id, {}, create=True)
        except ConflictError:
            return False
        return True

    def claim_many(self, alert_ids: list[str]) -> set[str]:
        # Once each: a second create of an id in the same request would conflict with the first.
        wanted = list(dict.fromkeys(alert_ids))
        if len(wanted) < 2:
            return {i for i in wanted if self.claim(i)}
        body = [
            line
            for i in wanted
            for line in ({"create": {"_index": self.ledger_index, "_id": i}}, {})
        ]
        return set(wanted) - set(self._create(body))

    def _create(self, body: list[dict]) -> list[str]:
        """Create the ledger entries of a bulk body; the ids that already existed (409)."""
        # filter_path: only what is read back (the full answer is ~10x larger to send and parse).
        fields = "items.*._id,items.*.status,items.*.error"
        answers = [item["create"] for item in self.engine.bulk(body, filter_path=fields)["items"]]
        failed = [a for a in answers if a.get("status", 200) >= 300 and a.get("status") != 409]
        if failed:
            raise StoreError(f"alert ledger failed: {failed[0].get('error')}")
        return [a["_id"] for a in answers if a.get("status") == 409]

    def claim_owned(self, alert_ids: list[str], owners: list[str]) -> dict[str, bool]:
        wanted = owners_by_id(alert_ids, owners)
        body = [
            line
            for i, those in wanted.items()
            for line in (
                {"create": {"_index": self.ledger_index, "_id": i}},
                {"body": {"owner": those[0]}},
            )
        ]
        conflicts = self._create(body)
        held = {}
        for i in conflicts:  # only on replays; a get reads what was just written, no refresh
            found = self.engine.get_document(self.ledger_index, i) or {}
            owner = (found.get("body") or {}).get("owner")
            if owner is not None and owner in wanted[i]:
                held[i] = False
        return {**held, **{i: True for i in wanted if i not in set(conflicts)}}

    def recorded(self, alert_ids: list[str]) -> dict[str, Alert]:
        out = {}
        for i in dict.fromkeys(alert_ids):  # replays only: a few, read by id (no refresh needed)
            found = self.engine.get_document(self.log_index, i)
            if found:
                out[i] = Alert.model_validate(found["body"])
        return out

    def record(self, alert: Alert) -> None:
        # No forced refresh: alerts are many; the log is searchable within the refresh interval.
        self.engine.put_document(
            self.log_index,
            alert.id,
            {
                "rule": alert.rule,
                "matched": alert.latency.matched.isoformat(),
                "queued": _queued(alert),
                "body": alert.payload(),
            },
        )

    def record_many(self, alerts: list[Alert]) -> None:
        if not alerts:
            return
        # NDJSON written here, each alert serialized once by pydantic (not dumped to dicts, then
        # re-encoded by the client): busy rules can fire hundreds of alerts a second.
        body = "".join(
            f"{json.dumps({'index': {'_index': self.log_index, '_id': a.id}})}\n"
            f'{{"rule":{json.dumps(a.rule)},"matched":"{a.latency.matched.isoformat()}",'
            f'"queued":{json.dumps(_queued(a))},"body":{a.model_dump_json(exclude_none=True)}}}\n'
            for a in alerts
        )
        result = self.engine.bulk(body, filter_path="errors,items.*.error")
        if result.get("errors"):
            raise StoreError(f"recording alerts failed: {_first_error(result, 'index')}")

    def alerts(self, rule: str | None = None, limit: int = 50) -> list[Alert]:
        query = {"term": {"rule": rule}} if rule else {"match_all": {}}
        hits = self.engine.search(
            self.log_index, {"size": limit, "sort": [{"matched": "desc"}], "query": query}
        )["hits"]["hits"]
        return [Alert.model_validate(h["_source"]["body"]) for h in hits]

    def history(
        self,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AlertPage:
        body = {
            "from": offset,
            "size": limit,
            "track_total_hits": True,
            "sort": [{"matched": "desc"}],
            "query": _range_query(rule, since, until),
        }
        found = self.engine.search(self.log_index, body, missing_ok=True)["hits"]
        alerts = [Alert.model_validate(h["_source"]["body"]) for h in found["hits"]]
        return AlertPage(found["total"]["value"], alerts)

    def queued(self, before: datetime, limit: int = 1000) -> list[Alert]:
        query = {
            "bool": {
                "filter": [
                    {"term": {"queued": True}},
                    {"range": {"matched": {"lt": before.isoformat()}}},
                ]
            }
        }
        body = {"size": limit, "sort": [{"matched": "asc"}], "query": query}
        hits = self.engine.search(self.log_index, body, missing_ok=True)["hits"]["hits"]
        return [Alert.model_validate(h["_source"]["body"]) for h in hits]

    def close(self) -> None:
        self.engine.close()


def _queued(alert: Alert) -> bool:
    return any(d.status == "queued" for d in alert.deliveries)


def _range_query(
    rule: str | None, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """The log's query for one rule's (or every rule's) alerts matched in [since, until)."""
    bounds = {"gte": since.isoformat()} if since else {}
    if until:
        bounds["lt"] = until.isoformat()
    filters: list[dict[str, Any]] = [{"term": {"rule": rule}}] if rule else []
    if bounds:
        filters.append({"range": {"matched": bounds}})
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def _first_error(result: dict[str, Any], op: str) -> str:
    return str(next(i for i in result["items"] if i[op].get("error")))
