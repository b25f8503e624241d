"""``rasad bench dashboards``: aggregation latency per panel, the overview's first render and
page weight in Chromium, and the live lag from produce to on screen, measured in the browser.

Stores are filled with synthetic tagged articles that arrived over the last 7 days (events,
actors, cities with coordinates, countries, five languages, twenty sources). Each panel's
aggregation is timed alone, then the whole overview (one store request); ranges 1 h and 7 d
(7 d holds every article: the worst case). The live lag is produce → the article's row in the
overview's feed, read from the row's own timestamp in the page (same clock as the producer).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn

import wiring
from bench.leftovers import drop_run, named_after
from bench.processes import free_port
from bench.report import Goal, Measure, Report, at_most
from bench.workload import percentile
from dashboards import definition
from dashboards.app import create_app
from dashboards.live import Live
from dashboards.panels import request_for
from dashboards.view import view_from
from indexers.searchengine import SearchEngineStore
from indexers.sqlite import SqliteStore
from producers.publisher import Producer
from producers.sources import Item
from producers.state import State
from rasad.addresses import BusAddress, parse_store
from rasad.concepts import Lexicon
from rasad.errors import RasadError
from rasad.model import Article, Tag, utcnow
from rasad.settings import Settings
from rasad.store import AggregationRequest, Store

LANGUAGES = ("ar", "en", "fr", "ru", "tr")
WORDS = (
    "talks",
    "forces",
    "border",
    "ministry",
    "convoy",
    "statement",
    "city",
    "aid",
    "rally",
    "council",
)


def synthetic(count: int, lexicon: Lexicon, seed: int = 11) -> list[Article]:
    """``count`` tagged articles that arrived over the 7 days before now (deterministic tags)."""
    rng = random.Random(seed)
    concepts = list(lexicon.concepts.values())
    events = [c for c in concepts if c.kind == "event"]
    actors = [c for c in concepts if c.kind == "actor"][:150]
    cities = sorted(
        (c for c in concepts if c.kind == "place" and c.lat is not None),
        key=lambda c: -c.population,
    )[:300]
    now = utcnow()
    out = []
    for i in range(count):
        city = rng.choice(cities)
        chosen = [rng.choice(events), *rng.sample(actors, 2)]
        tags = [Tag.model_validate({"kind": c.kind, "id": c.id, "label": c.label}) for c in chosen]
        tags.append(
            Tag(
                kind="place",
                id=city.id,
                label=city.label,
                country=city.country,
                lat=city.lat,
                lon=city.lon,
            )
        )
        text = " ".join(rng.choice(WORDS) for _ in range(40))
        arrived = now - timedelta(seconds=rng.uniform(0, 7 * 86400))
        out.append(
            Article(
                id=f"d{i:07d}", title=f"{city.label} {chosen[0].label}", text=text, normalized=text,
                language=rng.choice(LANGUAGES), source=f"Source {rng.randrange(20):02d}", tags=tags,
                ingested_at=arrived, published_at=arrived - timedelta(minutes=rng.randrange(600)),
            )
        )  # fmt: skip
    return out


def fill(store: Store, articles: list[Article], batch: int = 2000) -> float:
    """Index ``articles``; seconds taken."""
    started = time.perf_counter()
    for first in range(0, len(articles), batch):
        store.index(articles[first : first + batch])
    store.refresh()
    return time.perf_counter() - started


def timings(store: Store, lexicon: Lexicon, repeats: int) -> dict[str, list[float]]:
    """ms of each panel's aggregations alone and of the whole overview, for ranges 1 h and 7 d."""
    board = definition.load(None, lexicon)[definition.DEFAULT]
    out: dict[str, list[float]] = {}
    for name in ("1h", "7d"):
        view = view_from({"range": name}, [], name, utcnow())
        whole = request_for(board, view, lexicon)
        parts = {
            p.id: [k for k in whole.aggregations if k.split("/")[0] == p.id] for p in board.panels
        }
        requests = {f"overview {name}": whole} | {
            f"{panel} {name}": replace(whole, aggregations={k: whole.aggregations[k] for k in keys})
            for panel, keys in parts.items() if keys
        }  # fmt: skip
        for label, request in requests.items():
            store.aggregate(request)  # warm
            out[label] = [store.aggregate(_moved(request)).took_ms for _ in range(repeats)]
    return out


def _moved(request: AggregationRequest) -> AggregationRequest:
    """The request at this instant, as a live page sends it (new bounds: no cached answer)."""
    assert request.since is not None and request.until is not None
    now = utcnow()
    return replace(request, since=now - (request.until - request.since), until=now)


class _Server:
    """An app on uvicorn in a thread, on a free port."""

    def __init__(self, app: Any, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _browser(work: Callable[[Any], Any]) -> Any:
    # Imported here: Playwright (a test extra) is needed by this benchmark only.
    from playwright.sync_api import sync_playwright

    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        try:
            return work(chromium)
        finally:
            chromium.close()


def first_render(url: str, loads: int = 5) -> tuple[list[float], float]:
    """ms from navigation to the overview's first drawing (a fresh context each); KB transferred."""

    def measure(chromium: Any) -> tuple[list[float], float]:
        times, weight = [], 0.0
        for _ in range(loads):
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url + "/?range=7d")
            page.wait_for_function("document.body.dataset.firstDraw", timeout=60000)
            page.wait_for_function(
                "document.querySelectorAll('#panel-map .chart svg path').length > 100",
                timeout=60000,
            )
            times.append(float(page.evaluate("Number(document.body.dataset.firstDraw)")))
            weight = page.evaluate(
                "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                ".reduce((n, e) => n + (e.transferSize || 0), 0) / 1024"
            )
            context.close()
        return times, weight

    return _browser(measure)


def live_lag(url: str, send: Callable[[Article], object], count: int, rate: float) -> list[float]:
    """ms from produce to the article's row in the overview's feed, per article, in Chromium."""

    def measure(chromium: Any) -> list[float]:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/?range=15m")
        page.wait_for_function("document.body.dataset.updated", timeout=60000)
        page.evaluate(_OBSERVE)
        sent: dict[str, float] = {}
        for i in range(count):
            marker = uuid.uuid4().hex[:12]
            article = Article(
                title=f"Lag probe {marker}",
                text=f"Shelling reported near Aleppo in Syria, probe {marker} number {i}.",
            )
            sent[article.id] = time.time() * 1000
            send(article)
            time.sleep(1 / rate)
        page.wait_for_timeout(3000)
        shown = page.evaluate("window.__shown")
        missing = [i for i in sent if i not in shown]
        if missing:
            raise RasadError(f"{len(missing)} of {count} probes never reached the overview")
        return [shown[i] - at for i, at in sent.items()]

    return _browser(measure)


# Every row the feed ever shows, with the time it was drawn (rows scroll out of a 15-row feed).
_OBSERVE = """
window.__shown = {};
const feed = document.getElementById("panel-latest");
new MutationObserver(() => feed.querySelectorAll("li").forEach((li) => {
    if (!(li.dataset.id in window.__shown)) {
        window.__shown[li.dataset.id] = Number(li.dataset.shown);
    }
})).observe(feed, { childList: true, subtree: true });
"""


def run(
    settings: Settings,
    engine_docs: int = 100_000,
    sqlite_docs: int = 50_000,
    repeats: int = 20,
    probes: int = 40,
    rate: float = 5.0,
    command: str = "",
) -> Report:
    """Every measurement; the search engine and the real-stack lag only when settings name them."""
    lexicon = wiring.lexicon()
    report = Report("dashboards", "rasad bench dashboards: panels, first render, live lag", command)
    folder = Path(tempfile.mkdtemp(prefix="rasad-bench-dash-"))
    try:
        store = SqliteStore(folder / "bench.db", lexicon.stemmer)
        seconds = fill(store, synthetic(sqlite_docs, lexicon))
        label = f"SQLite {sqlite_docs:,}"
        _measure(report, label, store, lexicon, repeats, f"filled in {seconds:.0f} s")
        _embedded_lag(report, settings, folder, lexicon, probes, rate)
        store.close()
        if settings.store.scheme != "sqlite":  # OpenSearch or Elasticsearch
            _engine(report, settings, lexicon, engine_docs, repeats)
        if settings.bus.scheme == "kafka" and settings.store.scheme != "sqlite":
            _stack_lag(report, settings, folder, lexicon, probes, rate)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report.notes.append(
        f"p95 of {repeats} runs of each aggregation (p50 and p99 in the note); ranges 1 h and 7 d "
        "(7 d holds every article); first render: 5 fresh loads in Chromium; live lag: "
        f"{probes} articles at {rate:g}/s, produce → the row on screen."
    )
    return report.finish()


def _row(
    report: Report,
    store: str,
    what: str,
    values: list[float],
    note: str = "",
    goal: Goal | None = None,
    p: int = 95,
) -> None:
    others = " · ".join(f"p{q} {percentile(values, q):.0f} ms" for q in (50, 95, 99) if q != p)
    note = f"{others}; {note}" if note else others
    report.add(Measure(f"{store}: {what}, p{p}", percentile(values, p), "ms", goal=goal, note=note))


def _measure(
    report: Report, label: str, store: Store, lexicon: Lexicon, repeats: int, note: str
) -> None:
    engine = not isinstance(store, SqliteStore)  # the goals are the search engine's
    for what, values in timings(store, lexicon, repeats).items():
        limit = 1000 if what.startswith("overview") else 150
        _row(report, label, f"aggregation {what}", values, note, at_most(limit) if engine else None)
        note = ""
    server = _Server(create_app(store, lexicon), free_port())
    try:
        times, weight = first_render(server.url)
        what = "overview first render (browser, 7 d)"
        _row(report, label, what, times, f"page weight {weight:.0f} KB transferred")
    finally:
        server.close()


def _engine(report: Report, settings: Settings, lexicon: Lexicon, docs: int, repeats: int) -> None:
    alias = "benchdash" + uuid.uuid4().hex[:8]
    store = wiring.open_store(
        settings.model_copy(update={"index_alias": alias}), lexicon, setup=True
    )
    assert isinstance(store, SearchEngineStore)
    try:
        seconds = fill(store, synthetic(docs, lexicon))
        label = f"{store.engine.name} {docs:,}"
        _measure(report, label, store, lexicon, repeats, f"filled in {seconds:.0f} s")
    finally:
        store.drop()
        store.close()


def _embedded_lag(
    report: Report, settings: Settings, folder: Path, lexicon: Lexicon, probes: int, rate: float
) -> None:
    """The embedded default: memory bus, tagger and indexer in-process, the page on the same app."""
    local = settings.model_copy(
        update={
            "bus": BusAddress("memory"),
            "store": parse_store(f"sqlite:///{folder / 'live.db'}"),
            "data_dir": folder,
        }
    )
    pipeline = wiring.open_pipeline(local, lexicon)
    assert pipeline.store is not None
    live = Live(lambda: SqliteStore(Path(":memory:"), lexicon.stemmer))
    pipeline.bus.watch(local.topic_tagged, live.on_message)
    server = _Server(create_app(pipeline.store, lexicon, live=live), free_port())
    producer = Producer(pipeline.bus, local, State(None, "bench"), batch=1)

    def send(article: Article) -> None:
        producer.send([Item("bench", article)])

    try:
        live_lag(server.url, send, 5, rate)  # warm-up: the tagger's first articles
        lags = live_lag(server.url, send, probes, rate)
        what = f"live lag produce → on screen, {rate:g}/s"
        _row(report, "embedded (memory bus, SQLite)", what, lags, p=99)
    finally:
        server.close()
        pipeline.close()


def _stack_lag(
    report: Report, settings: Settings, folder: Path, lexicon: Lexicon, probes: int, rate: float
) -> None:
    """The real stack: a tagger+indexer worker process; this one serves the page, watching Kafka."""
    tag = "benchlive" + uuid.uuid4().hex[:8]
    local = named_after(settings, tag).model_copy(update={"topic_partitions": 2})
    bus = wiring.open_bus(local)
    store = wiring.open_store(local, lexicon, setup=True)
    env = {**os.environ, **local.environment(), "RASAD_WORKER_ROLE": "tagger,indexer"}
    with open(folder / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        live = Live(lambda: SqliteStore(Path(":memory:"), lexicon.stemmer))
        bus.watch(local.topic_tagged, live.on_message)
        server = _Server(create_app(store, lexicon, live=live), free_port())
        producer = Producer(bus, local, State(None, "bench"), batch=1)

        def send(article: Article) -> None:
            producer.send([Item("bench", article)])

        try:
            live_lag(server.url, send, 10, rate)  # warm-up: the worker's partitions, first fetches
            lags = live_lag(server.url, send, probes, rate)
            what = f"live lag produce → on screen, {rate:g}/s"
            where = f"real stack (Kafka, worker process, {settings.store.scheme})"
            _row(report, where, what, lags, goal=at_most(1500), p=99)
        finally:
            server.close()
            worker.terminate()
            worker.wait(timeout=30)
            bus.close()
            drop_run(local, tag, store.engine)  # type: ignore[attr-defined]
            store.close()
