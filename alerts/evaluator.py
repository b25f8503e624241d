"""The alert evaluator as plain functions over an article: match every standing rule at once,
count spikes and silences, and admit each alert once (the ledger) within the rule's throttle.

Two steps so a Faust shell can keep table updates on its event loop and store calls off it:
``match`` (CPU only; updates the spike and silence tables) and ``admit`` (claims in the rule
store). ``match`` is ``observe`` (keyword rules, and the counts an article adds to) plus
``count`` (one spike count, or one article heard by a silence rule): on the real stack the
counts are sent, keyed by rule and key, to the worker that owns them, so any number of alerts
workers count every spike and follow every silence in one place. ``quiet`` (called by a timer)
turns the silences kept here into candidates. A snoozed rule's candidates are dropped (its
counts go on), a disabled rule is not loaded at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from alerts import silences, spikes
from alerts.alert import (
    Alert,
    Latency,
    alert_id,
    from_article,
    from_silence,
    matched_now,
    snippet,
)
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
    article: Article | None  # None: a silence (no article brought it)
    story_id: str
    dedup_key: str
    spike: spikes.SpikeHit | None = None
    silence: silences.SilenceHit | None = None


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
    """One article counted by a spike or silence rule under one key at a time (epoch seconds).

    ``seed``: no article, a silence rule starts watching a key it names (quiet since ``at``).
    """

    rule: str
    key: str
    at: float
    seed: bool = False


class Evaluator:
    """The standing rules, compiled into one matcher and reloaded
    when the store's revision changes.
    """

    def __init__(
        self,
        store: RuleStore,
        lexicon: Lexicon,
        spike_table: MutableMapping | None = None,
        reload_interval: float = 2.0,
        silence_table: MutableMapping | None = None,
    ):
        self.store = store
        self.lexicon = lexicon
        self.spike_table = spike_table if spike_table is not None else {}
        self.silence_table = silence_table if silence_table is not None else {}
        self.reload_interval = reload_interval
        self._compiled: tuple[Matcher, dict[str, AlertRule], dict[str, frozenset[str]]] = (
            Matcher({}),
            {},
            {},
        )
        self._revision: str | None = None
        self._checked = 0.0
        self._snoozed: dict[str, float] = {}  # rule -> until (epoch seconds)
        self._seeded: set[tuple[str, str, float]] = set()
        # (rule, silence) claimed in the ledger: saves a ledger call per timer tick
        self._quiet_fired: set[tuple[str, str]] = set()
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._reloading = threading.Lock()

    @property
    def rules(self) -> dict[str, AlertRule]:
        """The rules in force, by name."""
        return self._compiled[1]

    def reload(self, force: bool = False) -> bool:
        """Recompile the rules if they changed (checked at most
        every ``reload_interval`` seconds).
        """
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
        """Compile these rules into the matcher (a rule that no longer
        parses is skipped and logged).
        """
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
            # What the rule counts (a spike by country: countries), else the concepts it names.
            by = rule.spike.by if rule.spike is not None else "concept"
            focus[rule.name] = spikes.focus(by, queries[rule.name])
        # Swapped together (one tuple): a concurrent ``match`` sees the old set or the new one.
        self._compiled = (Matcher(queries), kept, focus)
        self._snoozed = {
            r.name: r.snoozed_until.timestamp() for r in kept.values() if r.snoozed_until
        }
        log.info("alert rules loaded: %d", len(kept))

    def match(self, article: Article) -> list[Candidate]:
        """Rules this article fires (before dedup).

        Spike rules count it here and yield reached windows.
        """
        candidates, observed = self.observe(article)
        for observation in observed:
            candidates += self.count(observation, article)
        return candidates

    def observe(self, article: Article) -> tuple[list[Candidate], list[Observation]]:
        """Keyword rules this article fires, and the spike counts it adds to (counted
        by ``count``, where they live).
        """
        doc = document(article, self.lexicon.stemmer)
        matcher, rules, focus = self._compiled
        candidates, observed = [], []
        for name in matcher.match(DocumentView.of(doc)):
            rule = rules[name]
            if rule.spike is None and rule.silence is None:
                if not self._is_snoozed(name):
                    candidates.append(Candidate(rule, article, doc["story_id"], doc["story_id"]))
                continue
            at = article.ingested_at or article.tagged_at
            stamp = at.timestamp() if at else time.time()
            keys = (
                spikes.spike_keys(rule.spike, doc, focus[name])
                if rule.spike is not None
                else silences.silence_keys(rule.silence, doc, focus[name])  # type: ignore[arg-type]
            )
            observed += [Observation(name, key, stamp) for key in keys]
        return candidates, observed

    def count(
        self, observation: Observation, article: Article | None, partition: int = 0
    ) -> list[Candidate]:
        """Count the article in its spike window (a candidate when that brings the window to the
        rule's level), or note that a silence rule heard its key (``partition``: where it is kept).
        """
        rule = self.rules.get(observation.rule)
        if rule is not None and rule.silence is not None:
            self._hear(rule, observation, article, partition)
            return []
        if rule is None or rule.spike is None or article is None:  # removed or changed since
            return []
        story = article.story_id or article.id
        hits = spikes.count(
            self.spike_table, rule.name, rule.spike, [observation.key], observation.at
        )
        if self._is_snoozed(rule.name):  # counted all the same: the baseline stays true
            return []
        return [
            Candidate(rule, article, story, f"spike:{hit.key}:{hit.window_start:.0f}", hit)
            for hit in hits
        ]

    def _hear(
        self, rule: AlertRule, observation: Observation, article: Article | None, partition: int
    ) -> None:
        assert rule.silence is not None
        if observation.seed:
            silences.seed(self.silence_table, rule.name, observation.key, observation.at, partition)
        elif article is not None:
            silences.heard(
                self.silence_table,
                rule.name,
                rule.silence,
                observation.key,
                observation.at,
                partition,
                article.id,
            )

    def seeds(self) -> list[Observation]:
        """Keys the silence rules loaded since the last call watch
        from the start (sent like counts).
        """
        _, rules, focus = self._compiled
        out = []
        for rule in rules.values():
            if rule.silence is None:
                continue
            since = rule.created_at.timestamp()
            for key in silences.watched(rule.silence, focus[rule.name]):
                if (rule.name, key, since) not in self._seeded:
                    self._seeded.add((rule.name, key, since))
                    out.append(Observation(rule.name, key, since, seed=True))
        return out

    def quiet(
        self, now: float | None = None, owned: Callable[[int], bool] = lambda partition: True
    ) -> list[Candidate]:
        """Silences kept here (``owned``: is a partition's state this
        worker's?) that reached their level.
        """
        _, rules, _ = self._compiled
        watched = {
            name: rule.silence
            for name, rule in rules.items()
            if rule.silence is not None and not self._is_snoozed(name)
        }
        out = []
        for hit in silences.quiet(self.silence_table, watched, now or time.time(), owned):
            dedup = f"silence:{hit.key}:{hit.last_seen:.3f}"
            if (hit.rule, dedup) not in self._quiet_fired:  # claimed already (``admit``)
                out.append(Candidate(rules[hit.rule], None, "", dedup, silence=hit))
        return out

    def _is_snoozed(self, name: str) -> bool:
        until = self._snoozed.get(name)
        return until is not None and time.time() < until

    def admit(self, candidates: list[Candidate]) -> list[tuple[Alert, AlertRule, bool]]:
        """(alert, rule, throttled) for each candidate that never fired
        before (claimed in the ledger).
        """
        if not candidates:
            return []
        ids = [alert_id(c.rule.name, c.dedup_key) for c in candidates]
        new = self.store.claim_many(ids)
        self._silenced(candidates)
        return self._alerts(candidates, ids, new)

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
        self._silenced(candidates)
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
        others = set(ids) - set(held)
        if others or replayed:  # replays only: say what became of their claims
            log.info(
                "alert claims of %s: %d held by other messages, %d replayed (%d resumed)",
                sorted(set(owners)),
                len(others),
                len(replayed),
                len(resumed),
            )
        fresh = {i for i in held if i not in records}
        return Admission(self._alerts(candidates, ids, fresh), resumed)

    def _silenced(self, candidates: list[Candidate]) -> None:
        """A silence claimed (now or before) is not a candidate again; one whose claim failed is."""
        self._quiet_fired.update((c.rule.name, c.dedup_key) for c in candidates if c.silence)

    def _alerts(
        self, candidates: list[Candidate], ids: list[str], new: set[str]
    ) -> list[tuple[Alert, AlertRule, bool]]:
        """(alert, rule, throttled) for the candidates whose id is in ``new`` (each id once)."""
        new = set(new)
        out = []
        # Per article, its alerts share one latency record (all matched at once) and one snippet.
        shared: dict[str, tuple[Latency, str]] = {}
        for c, claimed in zip(candidates, ids, strict=True):
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
            if c.article is None:
                assert c.silence is not None
                out.append((from_silence(c.rule.name, c.silence, c.dedup_key), c.rule, False))
                continue
            matched, text = shared.get(c.article.id) or shared.setdefault(
                c.article.id, (matched_now(c.article), snippet(c.article))
            )
            alert = from_article(
                c.rule.name,
                c.article,
                c.story_id,
                "spike" if spike else "match",
                spike,
                c.dedup_key,
                matched,
                self._concepts(c.rule.name, c.article),
                known=(claimed, text),
            )
            out.append((alert, c.rule, self._throttled(c.rule)))
        return out

    def _concepts(self, rule: str, article: Article) -> dict[str, str]:
        """The concepts the rule names that the article has (id -> name), for messages."""
        named = self._compiled[2].get(rule, frozenset())
        return {t.id: t.label for t in article.tags if t.id.upper() in named}

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
