"""``rasad bench index``: indexing throughput (Kafka → Faust → engine vs a raw bulk load), faceted
search latency (each engine and SQLite) on synthetic tagged articles, and the cross-lingual
queries every store answers alike (``bench.agreement``).

Several engines are measured in one run (``--store`` once per engine), one after the other on
the same machine, so their figures can be set side by side.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaProducer
from rich.console import Console

import wiring
from bench.agreement import measure
from bench.leftovers import drop_run, named_after
from bench.processes import free_port
from bench.report import Measure, Report, at_least, at_most
from indexers.lifecycle import ensure_index
from indexers.mapping import action
from indexers.searchengine import SearchEngineStore
from indexers.sqlite import SqliteStore
from rasad.addresses import StoreAddress
from rasad.bus.kafka import ensure_topics
from rasad.errors import ConfigError, RasadError
from rasad.model import Article, Tag
from rasad.query import parse
from rasad.settings import Settings
from rasad.store import SearchRequest

console = Console(stderr=True)  # progress while measuring; the report is the caller's to print

_WORDS = {
    "ar": [
        "غارة",
        "قصف",
        "مدينة",
        "داعش",
        "الجيش",
        "سوريا",
        "حلب",
        "هجوم",
        "مقاتلين",
        "مسؤول",
        "بيان",
        "الحكومة",
    ],
    "en": [
        "airstrike",
        "attack",
        "city",
        "army",
        "forces",
        "officials",
        "statement",
        "government",
        "fighters",
        "border",
    ],
    "fr": [
        "frappe",
        "attaque",
        "ville",
        "armée",
        "forces",
        "responsables",
        "déclaration",
        "gouvernement",
    ],
    "ru": ["удар", "атака", "город", "армия", "силы", "заявление", "правительство"],
    "tr": ["saldırı", "şehir", "ordu", "kuvvetler", "açıklama", "hükümet"],
}
_TAGS = [
    ("actor", "Q2429253", "Islamic State"),
    ("actor", "Q7747", "Vladimir Putin"),
    ("event", "airstrike", "Airstrike"),
    ("place", "SY", "Syria"),
    ("place", "IQ", "Iraq"),
    ("place", "RU", "Russia"),
    ("place", "TR", "Turkey"),
]
_QUERIES = [
    "airstrike",
    "داعش",
    "ISIS country:SY",
    "attack OR هجوم",
    "lang:ar",
    "type:airstrike since:2015-03-01",
    "army -country:IQ",
    '"army forces"',
    "concept:Q7747",
    "حلب",
]


def synthetic(n: int, seed: int = 7) -> list[Article]:
    """``n`` tagged articles over a year, five languages, a few concepts (deterministic).

    Each carries its normalized text, as every article the tagger writes to the tagged topic does.
    """
    rng = random.Random(seed)
    stemmer = wiring.lexicon().stemmer
    start = datetime(2015, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        lang = rng.choice(list(_WORDS))
        words = [rng.choice(_WORDS[lang]) for _ in range(60)]
        tags = [Tag(kind=k, id=t, label=label) for k, t, label in rng.sample(_TAGS, 3)]
        title, text = " ".join(words[:6]), " ".join(words[6:])
        out.append(
            Article(
                id=f"s{i:07d}",
                source=rng.choice(["Wire A", "Wire B", "Daily C"]),
                language=lang,
                title=title,
                text=text,
                tags=tags,
                published_at=start + timedelta(minutes=rng.randrange(365 * 24 * 60)),
                normalized=stemmer.normalized(f"{title}\n\n{text}"),
            )
        )
    return out


def run(
    settings: Settings,
    stores: Sequence[StoreAddress] = (),
    docs: int = 30000,
    runs: int = 3,
    search_docs: int = 200000,
    sqlite_docs: int = 50000,
    queries: int = 200,
    command: str = "",
) -> Report:
    """Needs the stack (`rasad stack up`, RASAD_BUS=kafka://…); ``stores``: the engines to
    measure (OpenSearch and/or Elasticsearch; default: RASAD_STORE)."""
    engines = list(stores) or [settings.store]
    if settings.bus.scheme != "kafka":
        raise ConfigError("bench index needs RASAD_BUS=kafka://… (rasad stack up)")
    for address in engines:
        _open(settings, address, "bench-check").close()  # each is a search engine, and answers
    report = Report("index", "rasad bench index: indexing throughput and search latency", command)
    for address in engines:
        console.print(f"measuring {address} …")
        _throughput(report, settings, address, synthetic(docs), runs)
        _engine_latency(report, settings, address, search_docs, queries)
    console.print("measuring SQLite …")
    _sqlite_latency(report, sqlite_docs, queries)
    console.print("comparing the stores' answers …")
    _agreement(report, settings, engines)
    report.notes.append(
        "Throughput: the same synthetic tagged articles (~1 KB, normalized text included, as the "
        "tagger writes them) loaded by the client library's helpers.bulk from prepared documents "
        "(the sink's ceiling), then read from a Kafka topic by `rasad worker --role indexer`; "
        "runs alternate, each into a fresh index, timed by the engine's own count of index "
        "operations (refreshed or not)."
    )
    return report.finish()


def _open(settings: Settings, address: StoreAddress, alias: str) -> SearchEngineStore:
    """A set-up store on ``alias`` of the engine at ``address`` (long timeouts: loads, merges)."""
    run = settings.model_copy(update={"store": address, "index_alias": alias, "store_timeout": 600})
    store = wiring.open_store(run, wiring.lexicon(), setup=True)
    if not isinstance(store, SearchEngineStore):
        store.close()
        raise ConfigError(f"bench index measures OpenSearch or Elasticsearch, not {address}")
    return store


def _throughput(
    report: Report, settings: Settings, address: StoreAddress, articles: list[Article], runs: int
) -> None:
    """The same articles through raw bulk and through the pipeline, alternating, after a warm-up.

    The warm-up bulk load (discarded) gets the JVM's JIT, the template and the page cache going,
    so the first measured run is not penalised for being first.
    """
    name = _name(settings, address)
    _raw_bulk(settings, address, articles[:5000])
    raws, pipelines = [], []
    for _ in range(runs):
        raws.append(_raw_bulk(settings, address, articles))
        pipelines.append(_pipeline(settings, address, articles))
    ratios = sorted(p / r for p, r in zip(pipelines, raws, strict=True))
    raw = report.add(
        Measure(
            f"{name}: raw helpers.bulk of prepared documents (sink ceiling), median",
            statistics.median(raws),
            "docs/s",
            note=f"{len(articles):,} docs; runs: " + ", ".join(f"{r:,.0f}" for r in raws),
        )
    )
    report.add(
        Measure(
            f"{name}: Kafka → Faust indexer → {name}, median",
            statistics.median(pipelines),
            "docs/s",
            raw,
            at_least(0.8, ratio=True),
            note="ratio per run: "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + f" (median {statistics.median(ratios):.2f})",
        )
    )


def _name(settings: Settings, address: StoreAddress) -> str:
    store = _open(settings, address, "bench-check")
    store.close()
    return store.engine.name


def _raw_bulk(settings: Settings, address: StoreAddress, articles: list[Article]) -> float:
    """docs/s of a raw ``helpers.bulk`` of prepared documents (the sink ceiling): the documents
    are built first, untimed; the refresh after the load is not timed either."""
    store = _open(settings, address, "bench-raw-" + uuid.uuid4().hex[:6])
    try:
        actions = [action(store.alias, a, store.stemmer) for a in articles]
        for name in {a["_index"] for a in actions}:
            ensure_index(store.engine, store.alias, name)
        started = time.perf_counter()
        store.engine.bulk_load(actions)
        return len(articles) / (time.perf_counter() - started)
    finally:
        store.drop()
        store.close()


def _pipeline(settings: Settings, address: StoreAddress, articles: list[Article]) -> float:
    """Fill a fresh topic, start an indexer worker, time from the first to the last indexed."""
    tag = "bench" + uuid.uuid4().hex[:6]
    run = named_after(settings, tag)
    brokers = settings.bus.bootstrap
    ensure_topics(brokers, run)
    producer = KafkaProducer(bootstrap_servers=brokers, linger_ms=20, batch_size=512 * 1024)
    for a in articles:
        producer.send(run.topic_tagged, key=a.id.encode(), value=a.to_json())
    producer.flush()
    producer.close()
    store = _open(settings, address, tag)
    worker = subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--role", "indexer"],
        env=_worker_env(run, address),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return _indexing_rate(store, worker, len(articles))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        store.drop()
        store.close()
        drop_run(run, tag)


def _indexing_rate(store: SearchEngineStore, worker: subprocess.Popen, count: int) -> float:
    """docs/s from the first indexed to the last, by the engine's count of index operations."""
    first = last = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and worker.poll() is None:
        done = store.engine.indexed_total(store.alias)
        now = time.perf_counter()
        if done and first is None:
            first = (now, done)
        if done >= count:
            last = (now, done)
            break
        time.sleep(0.02)
    if first is None or last is None or last[0] == first[0]:
        raise RasadError("the indexer worker did not index the benchmark articles in time")
    return (last[1] - first[1]) / (last[0] - first[0])


def _worker_env(run: Settings, address: StoreAddress) -> dict[str, str]:
    """Environment of an indexer worker on ``run``'s topics and alias, writing to ``address``."""
    worker = run.model_copy(
        update={
            "store": address,
            "worker_web_port": free_port(),
            "log_level": "warning",
            "data_dir": Path(tempfile.mkdtemp(prefix="rasad-bench-")),
        }
    )
    others = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    return {**others, **worker.environment()}


def _latency(store, n: int, before=None) -> tuple[float, float]:
    """p50 and p95 (ms) of ``n`` faceted searches; ``before()`` runs untimed before each one."""
    lexicon = wiring.lexicon()
    timings = []
    for i in range(n):
        request = SearchRequest(
            parse(_QUERIES[i % len(_QUERIES)], lexicon),
            page=1 + i % 3,
            size=20,
            sort="date" if i % 2 else "relevance",
            histogram="week",
        )
        if before:
            before()
        started = time.perf_counter()
        store.search(request)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def _engine_latency(
    report: Report, settings: Settings, address: StoreAddress, n: int, queries: int
) -> None:
    store = _open(settings, address, "bench-search-" + uuid.uuid4().hex[:6])
    name = store.engine.name
    try:
        _fill(store, n)
        _latency(store, 10)
        # Cold: the shard request cache emptied before every query, so every count is computed.
        cold = _latency(
            store, queries, before=lambda: store.engine.clear_request_cache(store.alias)
        )
        warm = _latency(store, queries)
    finally:
        store.drop()
        store.close()
    what = f"{name} faceted search p95, {n:,} docs, request cache cleared ({queries} queries)"
    note = f"p50 {cold[0]:.0f} ms; force-merged"
    report.add(Measure(what, cold[1], "ms", goal=at_most(100), note=note))
    what = f"{name} faceted search p95, same queries paged/re-sorted ({queries})"
    report.add(Measure(what, warm[1], "ms", note=f"p50 {warm[0]:.0f} ms; counts cached"))


def _fill(store: SearchEngineStore, n: int) -> None:
    """``n`` synthetic articles in the store, settled (refreshed, force-merged)."""
    ensured: set[str] = set()
    for start in range(0, n, 20000):
        actions = [
            action(store.alias, a, store.stemmer)
            for a in synthetic(min(20000, n - start), seed=start)
        ]
        for index in {a["_index"] for a in actions} - ensured:
            ensure_index(store.engine, store.alias, index)
            ensured.add(index)
        for a in actions:
            a["_id"] = f"{start}-{a['_id']}"
        store.engine.bulk_load(actions, chunk_size=2000)
    store.refresh()
    # Measure a settled index, not one still merging the segments of the load just done
    # (past months are read-only in practice); the report says so.
    store.engine.forcemerge(f"{store.alias}-*")


def _sqlite_latency(report: Report, n: int, queries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rasad-bench-") as folder:
        store = SqliteStore(Path(folder) / "bench.db", wiring.lexicon().stemmer)
        store.setup()
        for start in range(0, n, 5000):
            batch = synthetic(min(5000, n - start), seed=start)
            store.index([a.model_copy(update={"id": f"{start}-{a.id}"}) for a in batch])
        _latency(store, 5)
        p50, p95 = _latency(store, queries)
        store.close()
    what = f"SQLite faceted search p95, {n:,} docs ({queries} queries)"
    report.add(Measure(what, p95, "ms", goal=at_most(200), note=f"p50 {p50:.0f} ms"))


def _agreement(report: Report, settings: Settings, engines: list[StoreAddress]) -> None:
    found = measure(settings, engines)
    differing = ", ".join(found.differing[:5]) or "none"
    cases = Measure("cross-lingual queries asked", found.cases, "queries")
    report.add(
        Measure(
            f"same articles from SQLite and {len(engines)} engine(s)",
            found.identical,
            "queries",
            cases,
            at_least(1.0, ratio=True),
            note=f"{found.articles} sample articles; {found.found} queries with hits, "
            f"{found.cross_lingual} finding other languages; differing: {differing}",
        )
    )
