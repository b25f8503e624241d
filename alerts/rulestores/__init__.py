"""Where rules, the dedup ledger and fired alerts are kept: a small contract with an SQLite
implementation (embedded default) and one for the real stack's engines (``searchengine.py``, with
``opensearch.py`` and ``elasticsearch.py`` naming their clients), chosen by the store URL's scheme
in the composition root's registry (``wiring.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from alerts.alert import Alert
from alerts.rules import AlertRule
from rasad.settings import Settings


@dataclass(frozen=True)
class AlertPage:
    """One page of the alert history and how many alerts the whole range holds."""

    total: int
    alerts: list[Alert]


class RuleStore(ABC):
    """Rules by name, the ledger of what already fired, and the alert records."""

    url: str

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> RuleStore:
        """The rule store beside the search store of ``settings``."""

    @abstractmethod
    def setup(self) -> None:
        """Create the schema (idempotent)."""

    @abstractmethod
    def add(self, rule: AlertRule, replace: bool = False) -> None:
        """Save a validated rule; ``BadInput`` if the name is taken and ``replace`` is false."""

    def add_many(self, rules: list[AlertRule]) -> None:
        """Save (replacing) many validated rules at once: one revision change for all."""
        for rule in rules:
            self.add(rule, replace=True)

    @abstractmethod
    def get(self, name: str) -> AlertRule | None:
        """One rule by name."""

    @abstractmethod
    def rules(self) -> list[AlertRule]:
        """Every rule, by name."""

    @abstractmethod
    def remove(self, name: str) -> bool:
        """Delete a rule; False if there was none."""

    @abstractmethod
    def revision(self) -> str:
        """Changes whenever a rule is added or removed (evaluators reload when it does)."""

    @abstractmethod
    def claim(self, alert_id: str) -> bool:
        """Record that an alert fired; True only the first time (persisted: replays get False)."""

    def claim_many(self, alert_ids: list[str]) -> set[str]:
        """``claim`` for several alerts at once (one round trip where the store can).

        Returns the new ones.
        """
        return {i for i in alert_ids if self.claim(i)}

    def claim_owned(self, alert_ids: list[str], owners: list[str]) -> dict[str, bool]:
        """Claim each alert for its owner (the message it came from); the ids the owners hold.

        True: claimed now; False: claimed before by the same owner — the message is replayed
        after a crash, and its alerts may be unfinished (see ``recorded``). Ids claimed by another
        owner are left out. A store that keeps no owners answers like ``claim_many``.
        """
        return dict.fromkeys(self.claim_many(alert_ids), True)

    def recorded(self, alert_ids: list[str]) -> dict[str, Alert]:
        """The recorded alerts among these ids (a store that cannot look them up: none)."""
        return {}

    @abstractmethod
    def record(self, alert: Alert) -> None:
        """Save (or update) an alert with its deliveries (one with a ``queued`` delivery waits
        for its rule's digest: ``queued`` finds it)."""

    def record_many(self, alerts: list[Alert]) -> None:
        """``record`` for several alerts (one round trip where the store can)."""
        for alert in alerts:
            self.record(alert)

    @abstractmethod
    def alerts(self, rule: str | None = None, limit: int = 50) -> list[Alert]:
        """Recorded alerts, the most recently matched first."""

    @abstractmethod
    def history(
        self,
        rule: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AlertPage:
        """Alerts matched in [since, until) (of one rule), newest first, from ``offset``.

        ``offset + limit`` is at most 10,000 (deeper pages: narrow the range).
        """

    @abstractmethod
    def queued(self, before: datetime, limit: int = 1000) -> list[Alert]:
        """Alerts matched before ``before`` with a delivery still
        queued for a digest, oldest first.
        """

    def close(self) -> None:  # noqa: B027 - an optional hook: a no-op unless overridden
        """Release connections."""


def owners_by_id(alert_ids: list[str], owners: list[str]) -> dict[str, list[str]]:
    """Each alert id with the owners claiming it, in order (for ``claim_owned``): a message
    and its replays can meet in one batch; a new claim is made for the first owner, and a
    claim held before is held by whichever of them made it."""
    by_id: dict[str, list[str]] = {}
    for alert_id, owner in zip(alert_ids, owners, strict=True):
        by_id.setdefault(alert_id, []).append(owner)
    return by_id
