"""The rule store of the real stack: three OpenSearch indices beside the articles alias.

``PREFIX-alert-rules`` (one document per rule), ``PREFIX-alert-ledger`` (one document per
fired alert id, created with ``op_type=create`` so a second claim conflicts even before a
refresh) and ``PREFIX-alert-log`` (alert records with their deliveries).
"""

from __future__ import annotations

import json
import uuid

from opensearchpy import OpenSearch
from opensearchpy.exceptions import (
    ConflictError,
    NotFoundError,
    OpenSearchException,
    TransportError,
)

from alerts.alert import Alert
from alerts.rules import AlertRule
from alerts.rulestores import RuleStore, owners_by_id
from rasad.addresses import StoreAddress
from rasad.errors import BadInput, StoreError
from rasad.settings import Settings

_STORED = {
    "dynamic": "strict",
    "properties": {
        "name": {"type": "keyword"},
        "rule": {"type": "keyword"},
        "matched": {"type": "date"},
        "body": {"type": "object", "enabled": False},
    },
}
_REVISION = "__revision__"


class OpenSearchRuleStore(RuleStore):
    """Rules, ledger and alerts in OpenSearch."""

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchRuleStore:
        return cls(settings.store, prefix=settings.index_alias)

    def __init__(self, address: StoreAddress, prefix: str = "articles", timeout: float = 30):
        self.url = str(address)
        # Several threads share it (ledger claims on the executor, records from delivery threads).
        self.client = OpenSearch(timeout=timeout, pool_maxsize=16, **address.client_options())
        self.rules_index, self.ledger_index, self.log_index = (
            f"{prefix}-alert-{n}" for n in ("rules", "ledger", "log")
        )

    def setup(self) -> None:
        body = {"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": _STORED}
        for index in (self.rules_index, self.ledger_index, self.log_index):
            try:
                if not self.client.indices.exists(index=index):
                    self.client.indices.create(index=index, body=body)
            except TransportError as exc:
                if "resource_already_exists" not in str(exc):
                    raise StoreError(f"alert store setup failed: {exc}") from exc
            except OpenSearchException as exc:
                raise StoreError(f"OpenSearch at {self.url} is not reachable: {exc}") from exc

    def _call(self, method, **kwargs):
        try:
            return method(**kwargs)
        except (ConflictError, NotFoundError):
            raise
        except OpenSearchException as exc:
            raise StoreError(f"alert store request failed: {exc}") from exc

    def add(self, rule: AlertRule, replace: bool = False) -> None:
        try:
            self._call(
                self.client.index,
                index=self.rules_index,
                id=rule.name,
                refresh="true",
                op_type="index" if replace else "create",
                body={"name": rule.name, "body": rule.model_dump(mode="json")},
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
            result = self._call(self.client.bulk, body=body, refresh="true")
            if result.get("errors"):
                raise StoreError(
                    "saving rules failed: "
                    + str(next(i for i in result["items"] if i["index"].get("error")))
                )
        self._bump()

    def get(self, name: str) -> AlertRule | None:
        try:
            found = self._call(self.client.get, index=self.rules_index, id=name)
        except NotFoundError:
            return None
        return AlertRule.model_validate(found["_source"]["body"]) if name != _REVISION else None

    def rules(self) -> list[AlertRule]:
        out = []
        after = None
        while True:  # search_after paging: there can be 10,000s of rules
            body = {"size": 1000, "sort": [{"name": "asc"}], "query": {"exists": {"field": "name"}}}
            if after:
                body["search_after"] = after
            hits = self._call(self.client.search, index=self.rules_index, body=body)["hits"]["hits"]
            out += [AlertRule.model_validate(h["_source"]["body"]) for h in hits]
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def remove(self, name: str) -> bool:
        try:
            self._call(self.client.delete, index=self.rules_index, id=name, refresh="true")
        except NotFoundError:
            return False
        self._bump()
        return True

    def _bump(self) -> None:
        self._call(
            self.client.index,
            index=self.rules_index,
            id=_REVISION,
            refresh="true",
            body={"body": {"revision": uuid.uuid4().hex}},
        )

    def revision(self) -> str:
        try:
            return self._call(self.client.get, index=self.rules_index, id=_REVISION)["_source"][
                "body"
            ]["revision"]
        except NotFoundError:
            return ""

    def claim(self, alert_id: str) -> bool:
        try:
            self._call(
                self.client.index, index=self.ledger_index, id=alert_id, op_type="create", body={}
            )
        except ConflictError:
            return False
        return True

    def claim_many(self, alert_ids: list[str]) -> set[str]:
        if len(alert_ids) < 2:
            return {i for i in alert_ids if self.claim(i)}
        body = [
            line
            for i in alert_ids
            for line in ({"create": {"_index": self.ledger_index, "_id": i}}, {})
        ]
        # filter_path: only what is read back (the full answer is ~10x larger to send and parse).
        items = self._call(
            self.client.bulk, body=body, filter_path="items.*._id,items.*.status,items.*.error"
        )["items"]
        conflicts = {item["create"]["_id"] for item in items if item["create"].get("status") == 409}
        failed = [
            item["create"]
            for item in items
            if item["create"].get("status", 200) >= 300 and item["create"].get("status") != 409
        ]
        if failed:
            raise StoreError(f"alert ledger failed: {failed[0].get('error')}")
        return set(alert_ids) - conflicts

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
        items = self._call(
            self.client.bulk, body=body, filter_path="items.*._id,items.*.status,items.*.error"
        )["items"]
        conflicts = [item["create"]["_id"] for item in items if item["create"].get("status") == 409]
        failed = [item["create"] for item in items if item["create"].get("status", 200) >= 300]
        if len(failed) > len(conflicts):
            error = next(f.get("error") for f in failed if f.get("status") != 409)
            raise StoreError(f"alert ledger failed: {error}")
        held = {}
        if conflicts:  # mget reads the documents just written, without waiting for a refresh
            docs = self._call(self.client.mget, index=self.ledger_index, body={"ids": conflicts})[
                "docs"
            ]
            for doc in docs:
                owner = (doc.get("_source") or {}).get("body", {}).get("owner")
                if owner is not None and owner in wanted[doc["_id"]]:
                    held[doc["_id"]] = False
        return {**held, **{i: True for i in wanted if i not in set(conflicts)}}

    def recorded(self, alert_ids: list[str]) -> dict[str, Alert]:
        if not alert_ids:
            return {}
        docs = self._call(
            self.client.mget, index=self.log_index, body={"ids": list(dict.fromkeys(alert_ids))}
        )["docs"]
        return {
            doc["_id"]: Alert.model_validate(doc["_source"]["body"])
            for doc in docs
            if doc.get("found")
        }

    def record(self, alert: Alert) -> None:
        # No forced refresh: alerts are many, and the log is searchable within the index's refresh interval.
        self._call(
            self.client.index,
            index=self.log_index,
            id=alert.id,
            body={
                "rule": alert.rule,
                "matched": alert.latency.matched.isoformat(),
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
            f'"body":{a.model_dump_json(exclude_none=True)}}}\n'
            for a in alerts
        )
        result = self._call(self.client.bulk, body=body, filter_path="errors,items.*.error")
        if result.get("errors"):
            raise StoreError(
                "recording alerts failed: "
                + str(next(i for i in result["items"] if i["index"].get("error")))
            )

    def alerts(self, rule: str | None = None, limit: int = 50) -> list[Alert]:
        query = {"term": {"rule": rule}} if rule else {"match_all": {}}
        hits = self._call(
            self.client.search,
            index=self.log_index,
            body={"size": limit, "sort": [{"matched": "desc"}], "query": query},
        )["hits"]["hits"]
        return [Alert.model_validate(h["_source"]["body"]) for h in hits]
