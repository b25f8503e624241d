"""``rasad bench index``: indexing throughput (Kafka → Faust → OpenSearch vs a raw bulk load) and
faceted search latency (OpenSearch and SQLite) on synthetic tagged articles."""

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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaProducer
from opensearchpy import helpers
from rich.table import Table

import wiring
from indexers.lifecycle import ensure_index
from indexers.mapping import action
from indexers.opensearch import OpenSearchStore
from indexers.sqlite import SqliteStore
from rasad.bus.kafka import ensure_topics
from rasad.errors import ConfigError, RasadError
from rasad.model import Article, Tag
from rasad.query import parse
from rasad.settings import Settings
from rasad.store import SearchRequest

_WORDS = {
    "ar": ["غارة", "قصف", "مدينة", "داعش", "الجيش", "سوريا", "حلب", "هجوم", "مقاتلين", "مسؤول", "بيان", "الحكومة"],
    "en": ["airstrike", "attack", "city", "army", "forces", "officials", "statement", "government", "fighters", "border"],
    "fr": ["frappe", "attaque", "ville", "armée", "forces", "responsables", "déclaration", "gouvernement"],
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
    docs: int = 30000,
    runs: int = 2,
    search_docs: int = 200000,
    sqlite_docs: int = 50000,
    queries: int = 200,
) -> Table:
    """Needs the stack (`rasad stack up`, RASAD_BUS=kafka://…, RASAD_STORE=opensearch://…)."""
    settings: Settings = settings
    if not (settings.bus.scheme == "kafka" and settings.store.scheme == "opensearch"):
        raise ConfigError(
            "bench index needs RASAD_BUS=kafka://… and RASAD_STORE=opensearch://… (rasad stack up)"
        )
    rows = []
    rows += _throughput(settings, synthetic(docs), runs)
    rows += _opensearch_latency(settings, search_docs, queries)
    rows.append(_sqlite_latency(sqlite_docs, queries))
    table = Table("measurement", "articles", "result", "notes")
    for row in rows:
        table.add_row(*row)
    return table


def _store(settings: Settings, alias: str):

    store = OpenSearchStore(settings.store, wiring.lexicon().stemmer, alias=alias, timeout=120)
    store.setup()
    return store


def _throughput(
    settings: Settings, articles: list[Article], runs: int
) -> list[tuple[str, str, str, str]]:
    """The same articles through raw bulk and through the pipeline, alternating, after a warm-up.

    The warm-up bulk load (discarded) gets the JVM's JIT, the template and the page cache going,
    so the first measured run is not penalised for being first.
    """
    _raw_bulk(settings, articles[:5000])
    rows, ratios = [], []
    for run in range(1, runs + 1):
        raw, built = _raw_bulk(settings, articles)
        pipeline = _pipeline(settings, articles)
        ratios.append(pipeline / raw)
        rows += [
            (
                f"run {run}: raw helpers.bulk (sink ceiling)",
                f"{len(articles)}",
                f"{raw:,.0f} docs/s",
                f"{built:,.0f} docs/s counting document building",
            ),
            (
                f"run {run}: Kafka → Faust → OpenSearch",
                f"{len(articles)}",
                f"{pipeline:,.0f} docs/s",
                f"ratio {ratios[-1]:.2f}",
            ),
        ]
    spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if runs > 1 else f"{ratios[0]:.2f}"
    rows.append(
        (
            f"pipeline / raw over {runs} run(s)",
            f"{len(articles)}",
            f"median {statistics.median(ratios):.2f}",
            f"range {spread} (goal ≥ 0.7)",
        )
    )
    return rows


def _raw_bulk(settings: Settings, articles: list[Article]) -> tuple[float, float]:
    """docs/s of a raw ``helpers.bulk`` of prepared documents (the sink ceiling), and the same
    counting the time to build the documents from the articles (what the pipeline must also do)."""

    store = _store(settings, "bench-raw-" + uuid.uuid4().hex[:6])
    try:
        building = time.perf_counter()
        actions = [action(store.alias, a, store.stemmer) for a in articles]
        build = time.perf_counter() - building
        for name in {a["_index"] for a in actions}:
            ensure_index(store.client, store.alias, name)
        started = time.perf_counter()
        helpers.bulk(store.client, actions, chunk_size=1000, max_chunk_bytes=10 * 1024 * 1024)
        store.refresh()
        load = time.perf_counter() - started
        return len(articles) / load, len(articles) / (load + build)
    finally:
        store.client.indices.delete(index=f"{store.alias}-*")
        store.close()


def _pipeline(settings: Settings, articles: list[Article]) -> float:
    """Fill a fresh topic, start an indexer worker, time from the first to the last article indexed."""

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
    store = _store(settings, tag)
    env = {
        **os.environ,
        "RASAD_BUS": str(settings.bus),
        "RASAD_STORE": str(settings.store),
        "RASAD_TOPIC_TAGGED": run.topic_tagged,
        "RASAD_TOPIC_RAW": run.topic_raw,
        "RASAD_TOPIC_DLQ": run.topic_dlq,
        "RASAD_TOPIC_ALERTS": run.topic_alerts,
        "RASAD_INDEX_ALIAS": tag,
        "RASAD_WORKER_ID": tag,
        "RASAD_WORKER_WEB_PORT": str(_free_port()),
        "RASAD_LOG_LEVEL": "warning",
        "RASAD_DATA_DIR": tempfile.mkdtemp(prefix="rasad-bench-"),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "cli", "worker", "--role", "indexer"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = last = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and worker.poll() is None:
            count = store.client.count(index=tag)["count"]
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
        store.client.indices.delete(index=f"{tag}-*")
        store.close()


def _free_port() -> int:

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def _opensearch_latency(
    settings: Settings, n: int, queries: int
) -> list[tuple[str, str, str, str]]:

    store = _store(settings, "bench-search-" + uuid.uuid4().hex[:6])
    try:
        ensured: set[str] = set()
        for start in range(0, n, 20000):
            actions = [
                action(store.alias, a, store.stemmer)
                for a in synthetic(min(20000, n - start), seed=start)
            ]
            for name in {a["_index"] for a in actions} - ensured:
                ensure_index(store.client, store.alias, name)
                ensured.add(name)
            for a in actions:
                a["_id"] = f"{start}-{a['_id']}"
            helpers.bulk(
                store.client,
                actions,
                chunk_size=2000,
                max_chunk_bytes=10 * 1024 * 1024,
                request_timeout=120,
            )
        store.refresh()
        # Measure a settled index, not one still merging the segments of the load just done
        # (past months are read-only in practice); the table says so.
        store.client.indices.forcemerge(
            index=f"{store.alias}-*", max_num_segments=1, request_timeout=600
        )
        _latency(store, 10)
        # Cold: the shard request cache emptied before every query, so every count is computed.
        cold = _latency(
            store,
            queries,
            before=lambda: store.client.indices.clear_cache(index=store.alias, request=True),
        )
        warm = _latency(store, queries)
    finally:
        store.client.indices.delete(index=f"{store.alias}-*")
        store.close()
    return [
        (
            f"OpenSearch faceted search, request cache cleared ({queries} queries)",
            f"{n}",
            f"p50 {cold[0]:.0f} ms · p95 {cold[1]:.0f} ms",
            "goal p95 ≤ 100 ms on 200k; force-merged",
        ),
        (
            f"OpenSearch faceted search, same queries paged/re-sorted ({queries})",
            f"{n}",
            f"p50 {warm[0]:.0f} ms · p95 {warm[1]:.0f} ms",
            "counts from the request cache",
        ),
    ]


def _sqlite_latency(n: int, queries: int) -> tuple[str, str, str, str]:

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
