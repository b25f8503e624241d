"""``rasad bench alerts`` on the real stack: `rasad worker` subprocesses on
fresh topics, timed end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer

import wiring
from bench.leftovers import drop_run, named_after
from bench.processes import cpu_seconds, free_port, frozen_heap, machine_cpu_seconds
from bench.workload import (
    Receiver,
    alerting,
    fill,
    lags,
    marked,
    stages,
    standing_rules,
    workload,
)
from devstack import Stack
from rasad.bus.kafka import KafkaBus
from rasad.errors import RasadError
from rasad.model import article_id, utcnow
from rasad.settings import Settings

# The series of CPU milliseconds per article: this prefix, then a worker's roles, SERVER and a
# stack server's name, or MACHINE (every process of the machine).
CPU_PER_ARTICLE = "cpu per article: "
SERVER = "server "
MACHINE = "machine"
BENCH = "benchmark"  # this process: producing, reading the alerts topic, polling the store


def kafka_latency_run(
    base: Settings,
    rate: float,
    count: int,
    background: int,
    firing: str = "rare",
    split: bool = False,
    warmup: int = 0,
    share: float = 1.0,
) -> dict[str, list[float]]:
    """Real stack: `rasad worker` subprocess(es) on fresh topics.

    Seconds from produce to the alerts topic and webhook.

    ``warmup`` articles are produced at the same rate first and measured apart ("cold"): a
    fresh worker's caches and the consumer's first fetches make its first seconds slower
    than the steady state the other figures describe.

    One worker doing everything, or (``split``) a tagger+indexer worker and an alerts worker, each
    in its own consumer group (the documented way to scale the alert stage).

    ``share``: of the measured articles, the share that alerts (``workload.alerting``).
    """

    tag = "bench" + uuid.uuid4().hex[:8]
    settings = _fresh(base, tag).model_copy(
        update={"alerts_allow_private": True, "alerts_reload_interval": 1.0}
    )
    lexicon = wiring.lexicon()
    receiver = Receiver()
    rules = wiring.open_rules(settings)
    fill(rules, standing_rules(background, workload(300), firing=firing), lexicon)
    fill(
        rules,
        [
            {
                "name": "bench-isis",
                "query": "ISIS",
                "webhooks": [receiver.url],
                "max_per_minute": 100000,
            }
        ],
        lexicon,
    )
    roles = _roles(settings, tag, split)
    run = _Run(settings, roles, [sys.executable, "-m", "cli", "worker", "--role"], _servers(base))
    # On a search engine store (not SQLite), polled for each article.
    searchable = _Searchable(getattr(rules, "engine", None), settings.index_alias)
    try:
        warmed = run.start()
        cold = workload(warmup, seed=4, marker=True)
        measured = alerting(count, seed=3, share=share)
        watched = marked(count, share)
        cpu = run.feed(cold, measured, rate, searchable.produced, warmup + watched + 1)
        searchable.finish(within=30)
    finally:
        searchable.close()
        run.close()
        receiver.close()
        drop_run(settings, tag, getattr(rules, "engine", None))
        rules.close()

    # The first alert (the start-up article) arrived first on both; then the cold
    # articles, then the measured ones.
    on_topic = run.on_topic
    cold_ids = {article_id(a["url"], a["title"], a["text"]) for a in cold}
    steady_topic = [(at, p) for at, p in on_topic[warmed:] if p["article_id"] not in cold_ids]
    steady_hook = [(at, p) for at, p in receiver.arrivals[1:] if p["article_id"] not in cold_ids]
    return {
        "topic": lags(steady_topic),
        "webhook": lags(steady_hook),
        "sent": [float(watched)],
        "cold": lags([(at, p) for at, p in on_topic[warmed:] if p["article_id"] in cold_ids]),
        "fired": [(len(on_topic) - warmed - len(cold)) / count],
        **searchable.results(),
        **{f"{CPU_PER_ARTICLE}{role}": [seconds * 1000 / count] for role, seconds in cpu.items()},
        **stages(steady_hook),
    }


def floor_run(
    base: Settings, rate: float, count: int, split: bool = False, warmup: int = 0
) -> dict[str, list[float]]:
    """The same run with bare workers (``bench.floor``): the same Kafka hops, none of the work.

    Each article crosses them untouched and comes out as one small message on the alerts topic:
    seconds from produce to it (``topic``) and each worker's CPU milliseconds per article — what
    Faust and aiokafka cost for this traffic on this machine, the floor under the real figures.
    """
    tag = "floor" + uuid.uuid4().hex[:8]
    settings = _fresh(base, tag)
    command = [sys.executable, "-m", "bench.floor"]
    run = _Run(settings, _roles(settings, tag, split), command, _servers(base))
    try:
        warmed = run.start()
        cold = workload(warmup, seed=4, marker=True)
        measured = workload(count, seed=3, marker=True)
        cpu = run.feed(cold, measured, rate, lambda _: None, warmup + count + 1)
    finally:
        run.close()
        drop_run(settings, tag)
    cold_urls = {a["url"] for a in cold}
    return {
        "topic": lags([(at, p) for at, p in run.on_topic[warmed:] if p["url"] not in cold_urls]),
        **{f"{CPU_PER_ARTICLE}{role}": [seconds * 1000 / count] for role, seconds in cpu.items()},
    }


def _fresh(base: Settings, tag: str) -> Settings:
    """``base`` on topics, index, worker group and data folder of their own, named by ``tag``."""
    settings = named_after(base, tag).model_copy(update={"data_dir": base.data_dir / tag})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def _roles(settings: Settings, tag: str, split: bool) -> dict[str, Settings]:
    """The workers of a run by their roles: one doing everything, or (``split``) a
    tagger+indexer worker and an alerts worker, each in its own consumer group."""
    if not split:
        return {"all": settings}
    alerts = settings.model_copy(
        update={
            "worker_id": f"{tag}-alerts",
            "worker_web_port": free_port(),
            "data_dir": settings.data_dir / "alerts",
        }
    )
    return {"tagger,indexer": settings, "alerts": alerts}


class _Run:
    """Worker subprocesses on a run's topics, fed at a steady rate; what reaches the alerts
    topic is collected (arrival time, message) by a reader thread."""

    def __init__(
        self,
        settings: Settings,
        roles: dict[str, Settings],
        command: list[str],
        servers: dict[str, int],
    ):
        """``servers``: the local stack servers watched besides the workers (name → pid)."""
        self.settings, self.roles, self.servers = settings, roles, servers
        self.bus = KafkaBus.from_settings(settings)
        # Each worker writes to its own copy of the descriptor: ours is needed only to start them.
        with open(settings.data_dir / "worker.log", "wb") as log:
            self.workers = [_start_worker(command, role, run, log) for role, run in roles.items()]
        self.consumer = KafkaConsumer(
            settings.topic_alerts,
            bootstrap_servers=settings.bus.bootstrap,
            auto_offset_reset="earliest",
            consumer_timeout_ms=1000,
        )
        self.on_topic: list[tuple[float, dict]] = []
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._consume, daemon=True)
        self._reader.start()

    def _consume(self) -> None:
        while not self._stop.is_set():
            for message in self.consumer:
                self.on_topic.append((time.time(), json.loads(message.value)))

    def _publish(self, raw: dict) -> None:
        value = json.dumps({**raw, "ingested_at": utcnow().isoformat()}).encode()
        self.bus.publish(self.settings.topic_raw, None, value)

    def start(self) -> int:
        """Wait until the workers are up (one start-up article came through); how many
        messages that took on the alerts topic."""
        self._publish(workload(1, seed=99, marker=True)[0])
        self.bus.flush()
        deadline = time.monotonic() + 180
        while (
            not self.on_topic
            and time.monotonic() < deadline
            and all(w.poll() is None for w in self.workers)
        ):
            time.sleep(0.2)  # the worker is up and has its rules once the warm-up alert arrives
        if not self.on_topic:
            raise RasadError(
                f"the bench worker did not start (see {self.settings.data_dir / 'worker.log'})"
            )
        return len(self.on_topic)

    def feed(
        self,
        cold: list[dict],
        measured: list[dict],
        rate: float,
        produced: Callable[[str], None],
        expected: int,
    ) -> dict[str, float]:
        """Produce ``cold`` then ``measured`` at ``rate``; wait for ``expected`` alerts of the
        measured rule. CPU seconds from the first measured article on: each worker's (by its
        roles), each local stack server's (``SERVER`` + name), this process's (``BENCH``) and the
        whole machine's (``MACHINE``)."""
        watched = {
            **{role: w.pid for role, w in zip(self.roles, self.workers, strict=True)},
            **{f"{SERVER}{name}": pid for name, pid in self.servers.items()},
            BENCH: os.getpid(),
        }
        before: dict[str, float] = {}
        with frozen_heap():  # no pause of this process counted as latency
            started = time.monotonic()
            for i, raw in enumerate(cold + measured):
                if i == len(cold):
                    before = {what: cpu_seconds(pid) for what, pid in watched.items()}
                    before[MACHINE] = machine_cpu_seconds()
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
                if i >= len(cold):
                    produced(article_id(raw["url"], raw["title"], raw["text"]))
                self._publish(raw)
            self.bus.flush()
            _wait_out(self.on_topic, expected)
            time.sleep(1.0)  # the indexer's last batch
            after = {what: cpu_seconds(pid) for what, pid in watched.items()}
            after[MACHINE] = machine_cpu_seconds()
            return {what: after[what] - before[what] for what in after}

    def close(self) -> None:
        """Stop the workers and the reader."""
        self._stop.set()
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self._reader.join(timeout=5)
        self.consumer.close()
        self.bus.close()


class _Searchable:
    """Seconds from produce until each article is found by a search on the store (by its id,
    polled every ``every`` seconds): the indexer's batch, the bulk request and the engine's
    refresh. The poll's own period is part of each figure (up to ``every``). Without an
    ``engine`` (a SQLite store) nothing is measured."""

    def __init__(self, engine: Any, alias: str, every: float = 0.1):
        self._engine, self._alias, self._every = engine, alias, every
        self._produced: dict[str, float] = {}
        self._sent = 0
        self.delays: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        if engine is not None:
            self._thread.start()

    def produced(self, article: str) -> None:
        if self._engine is not None:
            with self._lock:
                self._produced[article] = time.time()
                self._sent += 1

    def results(self) -> dict[str, list[float]]:
        """The delays and the count produced, if measured."""
        if self._engine is None:
            return {}
        return {"searchable": self.delays, "searchable_sent": [float(self._sent)]}

    def _poll(self) -> None:
        while not self._stop.wait(self._every):
            with self._lock:
                pending = list(self._produced)[:1000]
            if not pending:
                continue
            body = {"query": {"ids": {"values": pending}}, "_source": False, "size": len(pending)}
            try:
                hits = self._engine.search(self._alias, body, missing_ok=True)["hits"]["hits"]
            except RasadError:
                continue  # the next poll asks again
            found = time.time()
            with self._lock:
                for hit in hits:
                    at = self._produced.pop(hit["_id"], None)
                    if at is not None:
                        self.delays.append(found - at)

    def finish(self, within: float) -> None:
        """Wait until every produced article was found, or ``within`` seconds."""
        give_up = time.monotonic() + within
        while self._produced and time.monotonic() < give_up:
            time.sleep(self._every)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def _wait_out(on_topic: list[tuple[float, dict]], expected: int) -> None:
    """Wait for ``expected`` alerts on the topic. A backlog is waited out (its delay is in the
    latencies); only alerts that stop coming for 30 s, or 5 minutes in all, end the wait
    sooner: then "alerts received" counts a loss, not a backlog."""
    seen, quiet_until = len(on_topic), time.monotonic() + 30
    give_up = time.monotonic() + 300
    while len(lags(on_topic)) < expected and time.monotonic() < give_up:
        if len(on_topic) != seen:
            seen, quiet_until = len(on_topic), time.monotonic() + 30
        elif time.monotonic() > quiet_until:
            return
        time.sleep(0.1)


def _servers(settings: Settings) -> dict[str, int]:
    """The local stack's servers (``rasad stack``) the run's bus and store use: name → pid."""
    used = {
        address.rpartition(":")[2] for address in (*settings.bus.brokers, *settings.store.hosts)
    }
    return {
        server.name: server.pid
        for server in Stack(settings).status()
        if server.pid is not None and str(server.port) in used
    }


def _start_worker(command: list[str], role: str, settings: Settings, log: Any) -> subprocess.Popen:
    """A worker subprocess (``command`` + ``role``) configured by ``settings`` (through RASAD_*
    variables)."""
    env = {**os.environ, **settings.environment()}
    return subprocess.Popen([*command, role], env=env, stdout=log, stderr=subprocess.STDOUT)
