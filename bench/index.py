"""``rasad bench index``: indexing throughput (Kafka → Faust → engine vs a raw bulk load), faceted
search latency (each engine and SQLite) on synthetic tagged articles, and the cross-lingual
queries every store answers alike (``bench.agreement``).

Several engines are measured in one run (``--store`` once per engine), one after the other on
the same machine, so their figures can be set side by side.
"""

from __future__ import annotations

import os
import random
import socket
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
from rich.table import Table

import wiring
from bench.agreement import measure
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

console = Console(stderr=True)  # progress while measuring; the table is the caller's to print
Row = tuple[str, str, str, str]

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
    """``n`` tagged articles over a year, five languages, a few concepts (deterministic)."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        lang = rng.choice(list(_WORDS))
        words = [rng.choice(_WORDS[lang]) for _ in range(60)]
        tags = [Tag(kind=k, id=t, label=label) for k, t, label in rng.sample(_TAGS, 3)]
        out.append(
            Article(
                id=f"s{i:07d}",
                source=rng.choice(["Wire A", "Wire B", "Daily C"]),
                language=lang,
                title=" ".join(words[:6]),
                text=" ".join(words[6:]),
                tags=tags,
                published_at=start + timedelta(minutes=rng.randrange(365 * 24 * 60)),
            )
        )
    return out


def run(
    settings: Settings,
    stores: Sequence[StoreAddress] = (),
    docs: int = 30000,
    runs: int = 2,
    search_docs: int = 200000,
    sqlite_docs: int = 50000,
    queries: int = 200,
) -> Table:
    """Needs the stack (`rasad stack up`, RASAD_BUS=kafka://…); ``stores``: the engines to
    measure (OpenSearch and/or Elasticsearch; default: RASAD_STORE)."""
    engines = list(stores) or [settings.store]
    if settings.bus.scheme != "kafka":
        raise ConfigError("bench index needs RASAD_BUS=kafka://… (rasad stack up)")
    for address in engines:
        _open(settings, address, "bench-check").close()  # each is a search engine, and answers
    rows: list[Row] = []
    for address in engines:
        console.print(f"measuring {address} …")
        rows += _throughput(settings, address, synthetic(docs), runs)
        rows += _engine_latency(settings, address, search_docs, queries)
    console.print("measuring SQLite …")
    rows.append(_sqlite_latency(sqlite_docs, queries))
    console.print("comparing the stores' answers …")
    rows.append(_agreement(settings, engines))
    table = Table("measurement", "articles", "result", "notes")
    for row in rows:
        table.add_row(*row)
    return table


def _open(settings: Settings, address: StoreAddress, alias: str) -> SearchEngineStore:
    """A set-up store on ``alias`` of the engine at ``address`` (long timeouts: loads, merges)."""
    run = settings.model_copy(update={"store": address, "index_alias": alias, "store_timeout": 600})
    store = wiring.open_store(run, wiring.lexicon(), setup=True)
    if not isinstance(store, SearchEngineStore):
        store.close()
        raise ConfigError(f"bench index measures OpenSearch or Elasticsearch, not {address}")
    return store


def _throughput(
    settings: Settings, address: StoreAddress, articles: list[Article], runs: int
) -> list[Row]:
    """The same articles through raw bulk and through the pipeline, alternating, after a warm-up.

    The warm-up bulk load (discarded) gets the JVM's JIT, the template and the page cache going,
    so the first measured run is not penalised for being first.
    """
    name = _name(settings, address)
    _raw_bulk(settings, address, articles[:5000])
    rows, ratios = [], []
    for run in range(1, runs + 1):
        raw, built = _raw_bulk(settings, address, articles)
        pipeline = _pipeline(settings, address, articles)
        ratios.append(pipeline / raw)
        rows += [
            (
                f"{name} run {run}: raw helpers.bulk (sink ceiling)",
                f"{len(articles)}",
                f"{raw:,.0f} docs/s",
                f"{built:,.0f} docs/s counting document building",
            ),
            (
                f"{name} run {run}: Kafka → Faust → {name}",
                f"{len(articles)}",
                f"{pipeline:,.0f} docs/s",
                f"ratio {ratios[-1]:.2f}",
            ),
        ]
    spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if runs > 1 else f"{ratios[0]:.2f}"
    rows.append(
        (
            f"{name}: pipeline / raw over {runs} run(s)",
            f"{len(articles)}",
            f"median {statistics.median(ratios):.2f}",
            f"range {spread} (goal ≥ 0.7)",
        )
    )
    return rows


def _name(settings: Settings, address: StoreAddress) -> str:
    store = _open(settings, address, "bench-check")
    store.close()
    return store.engine.name


def _raw_bulk(
    settings: Settings, address: StoreAddress, articles: list[Article]
) -> tuple[float, float]:
    """docs/s of a raw ``helpers.bulk`` of prepared documents (the sink ceiling), and the same
    counting the time to build the documents from the articles (what the pipeline must also do)."""
    store = _open(settings, address, "bench-raw-" + uuid.uuid4().hex[:6])
    try:
        building = time.perf_counter()
        actions = [action(store.alias, a, store.stemmer) for a in articles]
        build = time.perf_counter() - building
        for name in {a["_index"] for a in actions}:
            ensure_index(store.engine, store.alias, name)
        started = time.perf_counter()
        store.engine.bulk_load(actions)
        store.refresh()
        load = time.perf_counter() - started
        return len(articles) / load, len(articles) / (load + build)
    finally:
        store.drop()
        store.close()


def _pipeline(settings: Settings, address: StoreAddress, articles: list[Article]) -> float:
    """Fill a fresh topic, start an indexer worker, time from the first to the last indexed."""
    tag = "bench" + uuid.uuid4().hex[:6]
    run = settings.model_copy(
        update={
            "topic_tagged": f"{tag}.tagged",
            "topic_raw": f"{tag}.raw",
            "topic_dlq": f"{tag}.dlq",
            "topic_alerts": f"{tag}.alerts",
            "index_alias": tag,
            "worker_id": tag,
        }
    )
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
        first = last = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and worker.poll() is None:
            count = store.count()
            now = time.perf_counter()
            if count and first is None:
                first = (now, count)
            if count >= len(articles):
                last = (now, count)
                break
            time.sleep(0.1)
        if first is None or last is None or last[0] == first[0]:
            raise RasadError("the indexer worker did not index the benchmark articles in time")
        return (last[1] - first[1]) / (last[0] - first[0])
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        store.drop()
        store.close()


def _worker_env(run: Settings, address: StoreAddress) -> dict[str, str]:
    """Environment of an indexer worker on ``run``'s topics and alias, writing to ``address``."""
    worker = run.model_copy(
        update={
            "store": address,
            "worker_web_port": _free_port(),
            "log_level": "warning",
            "data_dir": Path(tempfile.mkdtemp(prefix="rasad-bench-")),
        }
    )
    others = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    return {**others, **worker.environment()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def _engine_latency(settings: Settings, address: StoreAddress, n: int, queries: int) -> list[Row]:
    store = _open(settings, address, "bench-search-" + uuid.uuid4().hex[:6])
    name = store.engine.name
    try:
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
        # (past months are read-only in practice); the table says so.
        store.engine.forcemerge(f"{store.alias}-*")
        _latency(store, 10)
        # Cold: the shard request cache emptied before every query, so every count is computed.
        cold = _latency(
            store, queries, before=lambda: store.engine.clear_request_cache(store.alias)
        )
        warm = _latency(store, queries)
    finally:
        store.drop()
        store.close()
    return [
        (
            f"{name} faceted search, request cache cleared ({queries} queries)",
            f"{n}",
            f"p50 {cold[0]:.0f} ms · p95 {cold[1]:.0f} ms",
            "goal p95 ≤ 100 ms on 200k; force-merged",
        ),
        (
            f"{name} faceted search, same queries paged/re-sorted ({queries})",
            f"{n}",
            f"p50 {warm[0]:.0f} ms · p95 {warm[1]:.0f} ms",
            "counts from the request cache",
        ),
    ]


def _sqlite_latency(n: int, queries: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="rasad-bench-") as folder:
        store = SqliteStore(Path(folder) / "bench.db", wiring.lexicon().stemmer)
        store.setup()
        for start in range(0, n, 5000):
            batch = synthetic(min(5000, n - start), seed=start)
            store.index([a.model_copy(update={"id": f"{start}-{a.id}"}) for a in batch])
        _latency(store, 5)
        p50, p95 = _latency(store, queries)
        store.close()
    return (
        f"SQLite faceted search ({queries} queries)",
        f"{n}",
        f"p50 {p50:.0f} ms · p95 {p95:.0f} ms",
        "goal p95 ≤ 200 ms on 50k",
    )


def _agreement(settings: Settings, engines: list[StoreAddress]) -> Row:
    found = measure(settings, engines)
    differing = ", ".join(found.differing[:5]) or "none"
    return (
        f"cross-lingual queries on SQLite + {len(engines)} engine(s): same articles",
        f"{found.articles} samples",
        f"{found.identical} of {found.cases} identical",
        f"{found.found} with hits, {found.cross_lingual} finding other languages; differing: "
        f"{differing}",
    )
