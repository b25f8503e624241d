"""The alert evaluator as plain functions over an article: match every standing rule at once,
count spikes, and admit each alert once (the ledger) within the rule's throttle.

Two steps so a Faust shell can keep table updates on its event loop and store calls off it:
``match`` (CPU only; updates the spike table) and ``admit`` (claims in the rule store). ``match``
is ``observe`` (keyword rules, and the spike counts an article adds to) plus ``count`` (one spike
count): on the real stack the counts are sent, keyed by rule and key, to the worker that owns
them, so any number of alerts workers count every spike in one place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import MutableMapping
from dataclasses import dataclass

from alerts import spikes
from alerts.alert import Alert, Latency, alert_id, from_article, matched_now
from alerts.matcher import DocumentView, Matcher
from alerts.rules import AlertRule, compile_query
from alerts.rulestores import RuleStore
from rasad.concepts import Lexicon
from rasad.document import document
from rasad.errors import BadInput
from rasad.model import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A rule that matched (or a spike that reached its level): admitted unless it fired before."""

    rule: AlertRule
    article: Article
    story_id: str
    dedup_key: str
    spike: spikes.SpikeHit | None = None


@dataclass(frozen=True)
class Admission:
    """What a batch's claims let through: new alerts, and alerts a crash left unfinished.

    Each is ``(alert, rule, throttled)``; a resumed alert is the recorded one, whose pending
    deliveries are still to be made (it is already on the alerts topic).
    """

    new: list[tuple[Alert, AlertRule, bool]]
    resumed: list[tuple[Alert, AlertRule, bool]]


@dataclass(frozen=True)
class Observation:
    """One article counted by a spike rule under one key (a concept or country) at a time (epoch seconds)."""

    rule: str
    key: str
    at: float


class Evaluator:
    """The standing rules, compiled into one matcher and reloaded when the store's revision changes."""

    def __init__(
        self,
        store: RuleStore,
        lexicon: Lexicon,
        spike_table: MutableMapping | None = None,
        reload_interval: float = 2.0,
    ):
        self.store = store
        self.lexicon = lexicon
        self.spike_table = spike_table if spike_table is not None else {}
        self.reload_interval = reload_interval
        self._compiled: tuple[Matcher, dict[str, AlertRule], dict[str, frozenset[str]]] = (
            Matcher({}),
            {},
            {},
        )
        self._revision: str | None = None
        self._checked = 0.0
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._reloading = threading.Lock()

    @property
    def rules(self) -> dict[str, AlertRule]:
        """The rules in force, by name."""
        return self._compiled[1]

    def reload(self, force: bool = False) -> bool:
        """Recompile the rules if they changed (checked at most every ``reload_interval`` seconds)."""
        now = time.monotonic()
        if not force and now - self._checked < self.reload_interval:
            return False
        if not self._reloading.acquire(blocking=False):
            return False  # another thread is reloading already
        try:
            self._checked = now
            revision = self.store.revision()
            if revision == self._revision and not force:
                return False
            self.load(self.store.rules())
            self._revision = revision
            return True
        finally:
            self._reloading.release()

    def load(self, rules: list[AlertRule]) -> None:
        """Compile these rules into the matcher (a rule that no longer parses is skipped and logged)."""
        queries, kept, focus = {}, {}, {}
        for rule in rules:
            if not rule.enabled:
                continue
            try:
                queries[rule.name] = compile_query(rule, self.lexicon)
            except BadInput as exc:
                log.error("alert rule %s skipped: %s", rule.name, exc)
                continue
            kept[rule.name] = rule
            if rule.spike is not None:
                focus[rule.name] = spikes.focus(rule.spike, queries[rule.name])
        # Swapped together (one tuple): a concurrent ``match`` sees the old set or the new one.
        self._compiled = (Matcher(queries), kept, focus)
        log.info("alert rules loaded: %d", len(kept))

    def match(self, article: Article) -> list[Candidate]:
        """Rules this article fires (before dedup); spike rules count it here and yield reached windows."""
        candidates, observed = self.observe(article)
        for observation in observed:
            candidates += self.count(observation, article)
        return candidates

    def observe(self, article: Article) -> tuple[list[Candidate], list[Observation]]:
        """Keyword rules this article fires, and the spike counts it adds to (counted by ``count``, where they live)."""
        doc = document(article, self.lexicon.stemmer)
        matcher, rules, focus = self._compiled
        candidates, observed = [], []
        for name in matcher.match(DocumentView.of(doc)):
            rule = rules[name]
            if rule.spike is None:
                candidates.append(Candidate(rule, article, doc["story_id"], doc["story_id"]))
                continue
            at = article.ingested_at or article.tagged_at
            stamp = at.timestamp() if at else time.time()
            observed += [
                Observation(name, key, stamp)
                for key in spikes.spike_keys(rule.spike, doc, focus[name])
            ]
        return candidates, observed

    def count(self, observation: Observation, article: Article) -> list[Candidate]:
        """Count the article in its spike window; a candidate when that brings the window to the rule's level."""
        rule = self.rules.get(observation.rule)
        if rule is None or rule.spike is None:  # removed or changed since the article was observed
            return []
        story = article.story_id or article.id
        return [
            Candidate(rule, article, story, f"spike:{hit.key}:{hit.window_start:.0f}", hit)
            for hit in spikes.count(
                self.spike_table, rule.name, rule.spike, [observation.key], observation.at
            )
        ]

    def admit(self, candidates: list[Candidate]) -> list[tuple[Alert, AlertRule, bool]]:
        """(alert, rule, throttled) for each candidate that never fired before (claimed in the ledger)."""
        if not candidates:
            return []
        ids = [alert_id(c.rule.name, c.dedup_key) for c in candidates]
        return self._alerts(candidates, ids, self.store.claim_many(ids))

    def admit_owned(self, candidates: list[Candidate], owners: list[str]) -> Admission:
        """``admit`` for a stream that replays: each candidate is claimed for its message.

        A replayed message gets its own claims back: an alert it claimed whose record is missing
        fires again (the crash came before it was recorded), one recorded with deliveries still
        pending is resumed, one recorded as finished is left alone.
        """
        if not candidates:
            return Admission([], [])
        ids = [alert_id(c.rule.name, c.dedup_key) for c in candidates]
        held = self.store.claim_owned(ids, owners)
        replayed = [i for i, fresh in held.items() if not fresh]
        records = self.store.recorded(replayed) if replayed else {}
        rules = {i: c.rule for i, c in zip(ids, candidates, strict=True)}
        resumed = [
            (alert, rules[i], False)
            for i, alert in records.items()
            if any(d.status == "pending" for d in alert.deliveries)
        ]
        if resumed:
            log.warning("resuming %d alert(s) a crash left undelivered", len(resumed))
        fresh = {i for i in held if i not in records}
        return Admission(self._alerts(candidates, ids, fresh), resumed)

    def _alerts(
        self, candidates: list[Candidate], ids: list[str], new: set[str]
    ) -> list[tuple[Alert, AlertRule, bool]]:
        """(alert, rule, throttled) for the candidates whose id is in ``new`` (each id once)."""
        new = set(new)
        out = []
        latency: dict[
            str, Latency
        ] = {}  # one record per article: its alerts were all matched at once
        for c, claimed in zip(candidates, ids):
            if claimed not in new:
                continue
            new.discard(claimed)  # the same rule and story twice in one batch fires once
            spike = None
            if c.spike is not None:
                spike = {
                    "key": c.spike.key,
                    "window_start": c.spike.window_start,
                    "count": c.spike.count,
                    "level": c.spike.level,
                    "baseline": c.spike.baseline,
                }
            matched = latency.get(c.article.id) or latency.setdefault(
                c.article.id, matched_now(c.article)
            )
            alert = from_article(
                c.rule.name,
                c.article,
                c.story_id,
                "spike" if spike else "match",
                spike,
                c.dedup_key,
                matched,
            )
            out.append((alert, c.rule, self._throttled(c.rule)))
        return out

    def _throttled(self, rule: AlertRule) -> bool:
        """True when the rule already sent ``max_per_minute`` alerts in the last minute."""
        now = time.monotonic()
        with self._lock:
            sent = self._sent[rule.name]
            while sent and now - sent[0] > 60:
                sent.popleft()
            if len(sent) >= rule.max_per_minute:
                return True
            sent.append(now)
            return False
