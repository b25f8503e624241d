"""What the fault tests share: a stream of distinct articles produced at a steady rate with
Kafka's acknowledgements recorded, and readings of what came out (the index, the alert log,
the alerts topic, a webhook receiver, the dead-letter topic, a worker's /metrics).

Every article is its own story (its words are drawn at random, so no two share a band by more
than chance); every ``matching``-th one names a zorblax, which the test's alert rule watches:
the alerts expected are exactly those articles' stories.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from alerts.rulestores.opensearch import OpenSearchRuleStore
from indexers.opensearch import OpenSearchStore
from rasad import concepts
from rasad.model import article_id, utcnow
from rasad.settings import Settings
from tests.helpers.paths import ROOT

RULE = "zorblax"
REPORTS = ROOT / ".rasad-test" / "fault-reports.jsonl"
_WORDS = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "nrstlm"]


@dataclass(frozen=True)
class Story:
    """One produced article: its id, its bytes, whether the rule matches it."""

    id: str
    value: bytes
    matches: bool


def stories(count: int, matching: int = 10, seed: int = 11, tag: str = "s") -> list[Story]:
    """``count`` distinct articles; every ``matching``-th names a zorblax."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        words = " ".join(rng.choice(_WORDS) for _ in range(40))
        matches = n % matching == 0
        text = f"{'A zorblax was seen. ' if matches else ''}Report {n}: {words}."
        url = f"https://faults.example/{tag}/{n}"
        body = {"url": url, "title": f"Report {n}", "text": text, "language": "en"}
        body["ingested_at"] = utcnow().isoformat()
        out.append(Story(article_id(url, "", ""), json.dumps(body).encode(), matches))
    return out


@dataclass
class Producing:
    """Sends stories to a topic at ``rate`` per second in a thread; ``acked`` are the ids Kafka
    acknowledged (acks=all), ``failed`` those it did not."""

    settings: Settings
    items: list[Story]
    rate: float
    acked: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    sent: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._producer = KafkaProducer(
            bootstrap_servers=self.settings.bus.bootstrap,
            acks="all",
            linger_ms=5,
            retries=2**31 - 1,
            delivery_timeout_ms=120_000,
            request_timeout_ms=10_000,
            max_block_ms=120_000,
        )
        self._thread.start()

    def _run(self) -> None:
        started = time.monotonic()
        for n, story in enumerate(self.items):
            time.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            future = self._producer.send(
                self.settings.topic_raw, key=story.id.encode(), value=story.value
            )
            future.add_callback(lambda _, i=story.id: self._done(self.acked, i))
            future.add_errback(lambda _, i=story.id: self._done(self.failed, i))
            self.sent = n + 1

    def _done(self, into: set[str], story_id: str) -> None:
        with self._lock:
            into.add(story_id)

    def acknowledged(self) -> set[str]:
        with self._lock:
            return set(self.acked)

    def finish(self, timeout: float = 180) -> None:
        self._thread.join(timeout)
        self._producer.flush(timeout)
        self._producer.close(timeout=10)


class Outputs:
    """Reads what the stream made of the stories."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = OpenSearchStore(
            settings.store, concepts.load().stemmer, alias=settings.index_alias
        )
        self.log = OpenSearchRuleStore(settings.store, prefix=settings.index_alias)

    def indexed(self) -> list[str]:
        """Every id in the index (with repeats, were one stored twice); [] while it is away."""
        try:
            self.store.refresh()
            return self.store.ids()
        except Exception:
            return []

    def alerts(self) -> list:
        """The rule's recorded alerts; [] while the store is away."""
        try:
            return self.log.alerts(RULE, limit=10_000)
        except Exception:
            return []

    def finished_alerts(self, expected: int) -> list | None:
        """The recorded alerts once ``expected`` of them are all delivered, else None."""
        found = self.alerts()
        done = [a for a in found if all(d.status == "delivered" for d in a.deliveries)]
        return found if len(done) >= expected else None

    def topic(self, topic: str, idle_ms: int = 5000) -> list[dict]:
        """Every message of a topic, decoded."""
        return [value for value, _ in self.topic_timed(topic, idle_ms)]

    def topic_timed(self, topic: str, idle_ms: int = 5000) -> list[tuple[dict, float]]:
        """Every message of a topic, decoded, with its timestamp (``time.time()`` seconds)."""
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=self.settings.bus.bootstrap,
            auto_offset_reset="earliest",
            consumer_timeout_ms=idle_ms,
            max_partition_fetch_bytes=16 * 1024 * 1024,
        )
        try:
            return [(json.loads(message.value), message.timestamp / 1000) for message in consumer]
        finally:
            consumer.close()

    def close(self) -> None:
        self.store.close()
        self.log.close()


def duplicates(ids: Iterable[str]) -> int:
    """How many ids occur more than once, counted once per extra occurrence."""
    return sum(n - 1 for n in Counter(ids).values() if n > 1)


def repeats_not_cut_by_a_kill(
    seen: Iterable[tuple[str, float]], kills: list[float], window: float, grace: float = 1.0
) -> list[tuple[str, float, float]]:
    """(id, first seen, repeat) of each id seen again without a kill cutting its first time.

    ``seen``: (id, ``time.time()``) in the order seen; ``kills``: when the worker was killed.
    A kill cuts a first sighting if it comes at most ``window`` seconds after it and before the
    repeat — or up to ``grace`` seconds before it: what is seen that soon after a kill was sent
    by the killed worker (a restarted one takes longer than that to start).
    """
    first: dict[str, float] = {}
    wrong = []
    for key, at in seen:
        if key not in first:
            first[key] = at
        elif not any(first[key] - grace < kill <= min(at, first[key] + window) for kill in kills):
            wrong.append((key, first[key], at))
    return wrong


def worker_metrics(port: int) -> dict[tuple[str, tuple], float]:
    """The samples of a worker's /metrics page: (name, sorted labels) -> value."""
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def report(title: str, **counts: object) -> None:
    """Print a fault test's counts (shown with -s or on failure) and keep them in
    ``.rasad-test/fault-reports.jsonl`` (one line a run, for the record)."""
    print(f"\n[{title}] " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    REPORTS.parent.mkdir(parents=True, exist_ok=True)
    with REPORTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"test": title, "at": utcnow().isoformat(), **counts}, default=str))
        out.write("\n")
