"""``rasad bench soak``: a worker's memory over a long steady stream of distinct articles.

One `rasad worker` doing everything (tag, stories, index, alerts, with standing rules) on fresh
topics of the real stack is fed ``bench.workload``'s distinct articles at a steady rate; its
RSS (VmRSS) is sampled all along, and so is how many articles the store holds (it must keep
up). After a warm-up (the caches, windows and the engine's first segments filling), RSS should
stay flat: what the worker holds must not grow with the stream. The report gives RSS at the
end of the warm-up (the baseline), at each tenth of the run, the growth per article, CPU per
article, the worker's full garbage collections (how many, how long it stood still: read from its
``rasad_gc_pause_seconds`` at the end) and the whole series (in the notes).
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

import wiring
from bench.leftovers import drop_run, named_after
from bench.processes import cpu_seconds, frozen_heap, rss_mb
from bench.report import Measure, Report, at_least, at_most
from bench.workload import fill, standing_rules, stream, workload
from processors.stories import Banding, StoryLog
from rasad.bus.kafka import ensure_topics
from rasad.concepts import Lexicon
from rasad.errors import ConfigError, RasadError
from rasad.model import utcnow
from rasad.settings import Settings
from rasad.store import Store

console = Console(stderr=True)  # progress while measuring; the report is the caller's to print


@dataclass(frozen=True)
class Sample:
    """One look at the worker: seconds since the first article, RSS (MB), CPU seconds, counts."""

    at: float
    rss: float
    cpu: float
    produced: int
    stored: int


def run(
    settings: Settings,
    minutes: float = 3.0,
    rate: float = 100.0,
    warmup: float = 0.25,
    rules: int = 1000,
    command: str = "",
) -> Report:
    """Feed a worker ``rate`` articles/s for ``minutes``; its RSS after the ``warmup`` fraction."""
    if settings.bus.scheme != "kafka":
        raise ConfigError("bench soak needs RASAD_BUS=kafka://… (rasad stack up)")
    report = Report("soak", f"rasad bench soak: worker memory at {rate:g} articles/s", command)
    run_settings = _fresh(settings)
    lexicon = wiring.lexicon()
    fill(wiring.open_rules(run_settings), standing_rules(rules, workload(300)), lexicon)
    store = wiring.open_store(run_settings, lexicon, setup=True)
    worker = _start(run_settings)
    try:
        samples = _feed(run_settings, store, worker, minutes * 60, rate)
        pauses = _full_collections(run_settings.worker_web_port)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        _drop(store)
        drop_run(run_settings, run_settings.worker_id)
    _measures(report, samples, warmup, rate)
    _gc_measures(report, pauses)
    _story_window(report, lexicon, settings.stories_remembered, rate)
    report.notes.append(
        f"One `rasad worker` (all roles) on fresh topics, {rules:,} standing rules, distinct "
        f"synthetic articles ({minutes:g} min at {rate:g}/s); store {settings.store.scheme}. "
        "RSS series (s: MB): " + ", ".join(f"{s.at:.0f}: {s.rss:.0f}" for s in samples)
    )
    return report.finish()


def _fresh(settings: Settings) -> Settings:
    tag = "soak" + uuid.uuid4().hex[:8]
    return named_after(settings, tag).model_copy(
        update={
            "log_level": "warning",
            "data_dir": Path(tempfile.mkdtemp(prefix="rasad-soak-")),
        }
    )


def _start(settings: Settings) -> subprocess.Popen:
    ensure_topics(settings.bus.bootstrap, settings)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}}
    log = open(settings.data_dir / "worker.log", "wb")  # noqa: SIM115 - the worker's, kept open
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--role", "all"],
        env={**env, **settings.environment()},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _feed(
    settings: Settings, store: Store, worker: subprocess.Popen, seconds: float, rate: float
) -> list[Sample]:
    """Produce at ``rate`` for ``seconds`` (after one article showed the worker is up)."""
    producer = KafkaProducer(bootstrap_servers=settings.bus.bootstrap, linger_ms=5)
    articles = stream(seed=17)
    _send(producer, settings, next(articles))
    _wait(lambda: store.count() >= 1, worker, 180, "the soak worker did not start")
    samples: list[Sample] = []
    started, produced, every = time.monotonic(), 1, max(1.0, seconds / 60)
    with console.status(f"feeding {rate:g} articles/s for {seconds / 60:g} min…"):
        while (now := time.monotonic() - started) < seconds:
            if not samples or now - samples[-1].at >= every:
                samples.append(_sample(worker, now, produced, store))
            while produced < 1 + rate * (time.monotonic() - started):
                _send(producer, settings, next(articles))
                produced += 1
            time.sleep(0.01)
        producer.flush()
        _wait(lambda: store.count() >= produced, worker, 120, "the worker did not keep up")
    samples.append(_sample(worker, time.monotonic() - started, produced, store))
    producer.close()
    return samples


def _send(producer: KafkaProducer, settings: Settings, raw: dict) -> None:
    body = {**raw, "ingested_at": utcnow().isoformat()}
    producer.send(settings.topic_raw, json.dumps(body, ensure_ascii=False).encode())


def _wait(ready, worker: subprocess.Popen, seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RasadError(failure)
        time.sleep(0.5)


def _sample(worker: subprocess.Popen, at: float, produced: int, store: Store) -> Sample:
    store.refresh()
    return Sample(at, rss_mb(worker.pid), cpu_seconds(worker.pid), produced, store.count())


def _measures(report: Report, samples: list[Sample], warmup: float, rate: float) -> None:
    end = samples[-1]
    warm = next(s for s in samples if s.at >= warmup * end.at)
    base = report.add(
        Measure(f"worker RSS after the warm-up ({warm.at / 60:.1f} min)", warm.rss, "MB")
    )

    def near(t: int) -> Sample:  # the sample nearest to t tenths of the run
        return min(samples, key=lambda s: abs(s.at - t * end.at / 10))

    tenths = {near(t) for t in range(1, 10)}
    for s in sorted(tenths - {warm}, key=lambda s: s.at):
        if s.at > warm.at:
            report.add(Measure(f"worker RSS at {s.at / 60:.1f} min", s.rss, "MB", base))
    name = f"worker RSS at the end ({end.at / 60:.1f} min)"
    report.add(Measure(name, end.rss, "MB", base, at_most(1.1, ratio=True)))
    after = max(1, end.produced - warm.produced)
    growth = (end.rss - warm.rss) * 1024 / after
    report.add(Measure("RSS growth per article after the warm-up", growth, "KB"))
    report.add(Measure("worker CPU per article", (end.cpu - warm.cpu) * 1000 / after, "ms"))
    sent = Measure("articles produced", end.produced, "articles")
    report.add(Measure("articles in the store", end.stored, "articles", sent, at_least(1, True)))
    report.add(
        Measure("rate produced", end.produced / end.at, "articles/s", note=f"{rate:g}/s set")
    )


@dataclass(frozen=True)
class Pauses:
    """A worker's full garbage collections: how many, their seconds in all, and the histogram's
    cumulative buckets ``(upper bound in seconds, collections up to it)``, smallest first."""

    count: float = 0.0
    total: float = 0.0
    buckets: tuple[tuple[float, float], ...] = ()


def _full_collections(port: int) -> Pauses:
    """The worker's ``rasad_gc_pause_seconds`` of generation 2 (full collections)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = [
        sample
        for family in text_string_to_metric_families(text)
        if family.name == "rasad_gc_pause_seconds"
        for sample in family.samples
        if sample.labels.get("generation") == "2"
    ]
    value = {sample.name: sample.value for sample in samples if "le" not in sample.labels}
    buckets = sorted(
        (float(sample.labels["le"]), sample.value) for sample in samples if "le" in sample.labels
    )
    return Pauses(
        value.get("rasad_gc_pause_seconds_count", 0.0),
        value.get("rasad_gc_pause_seconds_sum", 0.0),
        tuple(buckets),
    )


def _gc_measures(report: Report, pauses: Pauses) -> None:
    """How often and how long the worker stood still for a full garbage collection."""
    report.add(Measure("worker full garbage collections", pauses.count, "collections"))
    if not pauses.count:
        return
    mean = pauses.total / pauses.count * 1000
    report.add(Measure("worker full garbage collection, mean", mean, "ms"))
    # The longest is within the smallest bucket that holds them all.
    longest = next((le for le, n in pauses.buckets if n >= pauses.count), math.inf)
    if longest != math.inf:
        name = "worker full garbage collection, longest at most"
        report.add(Measure(name, longest * 1000, "ms", note="the histogram's bucket"))


def _story_window(report: Report, lexicon: Lexicon, remembered: int, rate: float) -> None:
    """What the story window costs a remembered article (its lookups and its log record, as
    the worker's in-memory table holds it), measured here with tracemalloc, and when full."""
    banding, normalized = Banding(), lexicon.stemmer.normalized
    count = min(remembered, 10_000)
    articles = itertools.islice(stream(seed=23), count)
    signed = [banding.keys_and_signature(normalized(a["text"])) for a in articles]
    with frozen_heap():  # as in the worker: what it held before the stream is not walked
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            stories = StoryLog({}, capacity=count)  # its key table is allocated here at once
            for n, (keys, signature) in enumerate(signed):
                stories.assign(f"https://bench.example/window/{n}", keys, signature)
            each = (tracemalloc.get_traced_memory()[0] - before) / count / 1024
        finally:
            tracemalloc.stop()
        # What the window adds to every full collection (the worker stands still meanwhile).
        held = _full_collection_seconds()
        del stories
        walk = (held - _full_collection_seconds()) / count
    report.add(Measure("story window: memory per remembered article", each, "KB"))
    note = f"fills in {remembered / rate / 60:.1f} min at {rate:g}/s; RSS grows until then"
    name = f"story window when full (RASAD_STORIES_REMEMBERED={remembered:,})"
    report.add(Measure(name, each * remembered / 1024, "MB", note=note))
    name = f"story window when full: time added to each full garbage collection ({remembered:,})"
    report.add(Measure(name, max(0.0, walk) * remembered * 1000, "ms"))


def _full_collection_seconds() -> float:
    """The quickest of five full collections of this process."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        gc.collect()
        best = min(best, time.perf_counter() - started)
    return best


def _drop(store: Store) -> None:
    drop = getattr(store, "drop", None)  # the search engines' stores; a SQLite file stays
    if drop is not None:
        drop()
    store.close()
