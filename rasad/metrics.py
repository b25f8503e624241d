"""What an operator watches: Prometheus metrics every stage updates, served at ``/metrics``.

The worker serves them on its Faust web server (``RASAD_WORKER_WEB_PORT``), the API on its own
port. Counting costs one dictionary lookup and one lock-free increment per message; consumer
lag is read from Kafka only when the page is scraped (``lag_source``).

* ``rasad_articles_total{stage}``: messages a stage handled (``rate()`` gives articles/s);
* ``rasad_dead_letters_total{stage,reason}``: messages sent to the dead-letter topic;
* ``rasad_store_retries_total{stage}``: bulk writes and ledger claims retried (store away);
* ``rasad_store_up{stage}``: 1 while the stage's last store call succeeded, 0 while it fails;
* ``rasad_alert_latency_seconds{step}``: produced → matched, and produced → delivered;
* ``rasad_consumer_lag{group,topic,partition}``: messages not yet committed by a worker group;
* ``rasad_gc_pause_seconds{generation}``: the process standing still in a cyclic garbage
  collection (``watch_gc``; generation 2 is a full one): every stream hop waits it out.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

_ARTICLES = Counter("rasad_articles", "Messages a stage handled.", ["stage"])
_DEAD = Counter(
    "rasad_dead_letters", "Messages sent to the dead-letter topic.", ["stage", "reason"]
)
_RETRIES = Counter(
    "rasad_store_retries", "Store writes retried (the store away or overloaded).", ["stage"]
)
_STORE_UP = Gauge(
    "rasad_store_up", "1 while the stage's store answers, 0 while it fails.", ["stage"]
)
_ALERT_LATENCY = Histogram(
    "rasad_alert_latency_seconds",
    "Seconds from an article's production to its alert (step: matched, delivered).",
    ["step"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
_GC_BOUNDS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf)
_GC_LE = tuple("+Inf" if bound == math.inf else repr(bound) for bound in _GC_BOUNDS)
_handled: dict[str, Callable[[float], None]] = {}


@dataclass(frozen=True)
class Lag:
    """Messages of one partition a consumer group has not committed yet."""

    group: str
    topic: str
    partition: int
    committed: int
    end: int

    @property
    def behind(self) -> int:
        return max(0, self.end - self.committed)


def handled(stage: str, count: int = 1) -> None:
    """Count messages a stage handled."""
    inc = _handled.get(stage)
    if inc is None:
        inc = _handled[stage] = _ARTICLES.labels(stage).inc
    inc(count)


def dead_lettered(stage: str, reason: str) -> None:
    """Count a message sent to the dead-letter topic."""
    _DEAD.labels(stage, reason).inc()


def store_retry(stage: str) -> None:
    """Count a store call retried; the store is down for that stage until ``store_up``."""
    _RETRIES.labels(stage).inc()
    _STORE_UP.labels(stage).set(0)


def store_up(stage: str, up: bool = True) -> None:
    """Record whether the stage's store answered."""
    _STORE_UP.labels(stage).set(1 if up else 0)


def alert_latency(step: str, seconds: float) -> None:
    """Observe the latency of an alert at a step (``matched`` or ``delivered``)."""
    _ALERT_LATENCY.labels(step).observe(seconds)


class _GcPauses(Collector):
    """Each cyclic garbage collection's pause, by generation, as a histogram.

    Its ``gc.callbacks`` entry runs wherever a collection starts, however deep the stack is then
    (inside a deeply nested JSON document being parsed, say): it is one frame of arithmetic, a C
    ``bisect`` and list stores, calling no Python function that could meet the recursion limit
    and end as an "exception ignored" — unlike a Prometheus ``Histogram.observe``.
    """

    def __init__(self) -> None:
        self.counts = [[0] * len(_GC_BOUNDS) for _ in range(3)]
        self.sums = [0.0, 0.0, 0.0]
        self.started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            return
        took = time.perf_counter() - self.started
        generation = info["generation"]
        self.counts[generation][bisect.bisect_left(_GC_BOUNDS, took)] += 1
        self.sums[generation] += took

    def collect(self) -> Iterable[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "rasad_gc_pause_seconds",
            "Seconds the process stood still in a cyclic garbage collection, by generation "
            "(2: full).",
            labels=["generation"],
        )
        for generation, counts in enumerate(self.counts):
            cumulative = list(itertools.accumulate(counts))
            buckets = list(zip(_GC_LE, cumulative, strict=True))
            family.add_metric([str(generation)], buckets, self.sums[generation])
        yield family


_gc_pauses: _GcPauses | None = None


def watch_gc() -> None:
    """Time this process's garbage collections (once; a few µs a collection)."""
    global _gc_pauses
    if _gc_pauses is None:
        _gc_pauses = _GcPauses()
        REGISTRY.register(_gc_pauses)
    if _gc_pauses not in gc.callbacks:
        gc.callbacks.append(_gc_pauses)


class _LagCollector(Collector):
    def __init__(self, source: Callable[[], Iterable[Lag]]):
        self.source = source

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "rasad_consumer_lag",
            "Messages of a partition the worker group has not committed yet.",
            labels=["group", "topic", "partition"],
        )

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Registering asks for the names: given here, without calling Kafka.
        yield self._family()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = self._family()
        try:
            lags = list(self.source())
        except Exception:  # Kafka away: no lag figures, the other metrics still answer
            lags = []
        for lag in lags:
            family.add_metric([lag.group, lag.topic, str(lag.partition)], lag.behind)
        yield family


_lag: _LagCollector | None = None


def lag_source(source: Callable[[], Iterable[Lag]]) -> None:
    """Report consumer lag from ``source`` (called on each scrape; replaces an earlier one)."""
    global _lag
    if _lag is not None:
        REGISTRY.unregister(_lag)
    _lag = _LagCollector(source)
    REGISTRY.register(_lag)


def exposition() -> tuple[bytes, str]:
    """The metrics page in Prometheus' text format, and its content type."""
    return _generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def value(name: str, **labels: str) -> float:
    """The current value of a sample (``rasad_articles_total``, stage="tagger"); 0 if none yet."""
    found = REGISTRY.get_sample_value(name, labels)
    return found or 0.0
