"""Over 10,000 generated hostile inputs (tests/helpers/hostile.py: broken JSON, deep nesting,
lone surrogates, huge and empty fields, wrong types, control and bidi characters, HTML) sent
three ways — straight onto articles.raw, through the HTTP push, through `rasad produce` on
JSONL files — among valid articles: each hostile input ends in the dead-letter topic with the
reason its kind calls for, every valid article is indexed promptly, the worker never dies."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

import wiring
from producers.state import State
from rasad.bus.kafka import KafkaBus
from tests.helpers.faults import Outputs, report, stories, worker_metrics
from tests.helpers.hostile import KINDS, hostile_input, nasty_article, reason
from tests.helpers.network import AppServer
from tests.helpers.processes import rasad, settings_from, wait_for

pytestmark = [
    pytest.mark.stack,
    pytest.mark.fault,
    pytest.mark.timeout(900),
    # The server may answer a huge body and close before reading it all; the HTTP client then
    # drops that reset connection's socket unclosed (laddr 0.0.0.0), a leak of the client library
    # that the garbage collector reports at a random later point. Collected in ``_push``.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
# Hostile inputs by path (the small huge ones are 1 MB texts, a handful a path), valid ones.
RAW, PUSH, FILES, HUGE, VALID, NASTY = 6000, 2500, 2000, 5, 100, 25


def generate(count: int, start: int, kind: str | None = None) -> list[tuple[str, bytes]]:
    """``count`` hostile inputs drawn by hypothesis (of one ``kind``, else of any but huge),
    each unique (numbered from ``start``)."""
    drawn: list[tuple[str, bytes]] = []
    numbers = itertools.count(start)

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        n = next(numbers)
        one = KINDS[kind](n).map(lambda b: (kind, b)) if kind else hostile_input(n, huge=False)
        drawn.append(data.draw(one))

    collect()
    return drawn


def test_hostile_inputs_end_in_the_dead_letter_topic_and_valid_articles_flow(
    stack_env, worker, tmp_path
):
    env = {**stack_env, "RASAD_WORKER_ROLE": "tagger,indexer"}
    settings = settings_from(env)
    started = time.monotonic()
    raw = generate(RAW, 0) + generate(HUGE, 10**6, "huge")
    pushed = generate(PUSH, 2 * 10**6) + generate(HUGE, 3 * 10**6, "huge")
    filed = generate(FILES, 4 * 10**6) + generate(HUGE, 5 * 10**6, "huge")
    generated_in = round(time.monotonic() - started, 1)
    assert len(raw) + len(pushed) + len(filed) >= 10_000
    valid = {
        path: [s.value for s in stories(VALID, tag=f"{settings.worker_id}-{path}")]
        + [json.dumps(nasty_article(n)).encode() for n in range(offset, offset + NASTY)]
        for path, offset in (("raw", 0), ("push", 1000), ("files", 2000))
    }
    out = Outputs(settings)
    w = worker(env=env)
    try:
        _onto_raw(settings, _mixed(raw, valid["raw"]))
        _push(settings, tmp_path, _mixed(pushed, valid["push"]))
        _produce_files(env, tmp_path / "inbox", _mixed(filed, valid["files"]))
        produced = time.monotonic()
        valid_ids = {json.loads(v)["url"] for vs in valid.values() for v in vs}
        wait_for(lambda: w.check() or valid_ids <= _urls(out), timeout=180,
                 message="every valid article indexed")  # fmt: skip
        valid_in = round(time.monotonic() - produced, 1)
        expected = Counter(reason(k, False) for k, _ in raw) + Counter(
            reason(k, True) for k, _ in pushed + filed
        )
        total = sum(expected.values())
        wait_for(lambda: w.check() or _count(settings, settings.topic_dlq) >= total,
                 timeout=300, interval=1, message=f"{total} dead-letter records")  # fmt: skip
        time.sleep(2)  # one too many would show now
        records = out.topic(settings.topic_dlq, idle_ms=3000)
        samples = worker_metrics(int(env["RASAD_WORKER_WEB_PORT"]))
    finally:
        out.close()
    got = Counter(r["reason"] for r in records)
    by_stage = Counter(r["origin"].get("stage") for r in records)
    counted = sum(
        value
        for (name, labels), value in samples.items()
        if name == "rasad_dead_letters_total" and ("stage", "tagger") in labels
    )
    report(
        "hostile inputs",
        hostile=total, by_kind=dict(Counter(k for k, _ in raw + pushed + filed)),
        by_path={"raw": len(raw), "push": len(pushed), "files": len(filed)},
        dead_letters=len(records), by_reason=dict(got), by_stage=dict(by_stage),
        valid=len(valid_ids), valid_indexed_seconds_after_last=valid_in,
        generated_seconds=generated_in,
    )  # fmt: skip
    assert got == expected  # each one, with its reason, none twice
    assert all(r["reason"] and r["error"] and r["origin"] for r in records)
    assert counted == by_stage["tagger"]  # /metrics counts what the worker dead-lettered
    assert "Crashed reason" not in w.output() and w.process.poll() is None


def _mixed(hostile: list[tuple[str, bytes]], valid: list[bytes]) -> list[bytes]:
    """The hostile inputs with the valid ones spread among them."""
    every = max(1, len(hostile) // max(1, len(valid)))
    out: list[bytes] = []
    pending = list(valid)
    for n, (_, data) in enumerate(hostile):
        out.append(data)
        if n % every == 0 and pending:
            out.append(pending.pop())
    return out + pending


def _onto_raw(settings, messages: list[bytes]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=settings.bus.bootstrap, acks="all", max_request_size=8 << 20
    )
    for message in messages:
        producer.send(settings.topic_raw, message)
    producer.flush()
    producer.close()


def _push(settings, folder: Path, bodies: list[bytes]) -> None:
    """POST each body to a real `rasad serve`-like app (uvicorn) on the Kafka bus, 16 at a time."""
    words = wiring.lexicon()
    store = wiring.open_store(settings, words)
    bus = KafkaBus.from_settings(settings)
    state = State(folder / "push-state.db", "push")
    server = AppServer(wiring.web_app(settings, store, bus, words, state))

    async def post_all() -> list[int]:
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=server.url(""), timeout=120) as client:

            async def post(body: bytes) -> int:
                async with gate:
                    response = await client.post("/api/articles", content=body)
                    return response.status_code

            return await asyncio.gather(*map(post, bodies))

    try:
        statuses = Counter(asyncio.run(post_all()))
    finally:
        server.close()
        bus.close()
        store.close()
        state.close()
        gc.collect()
    assert set(statuses) <= {202, 400}, statuses  # never a 5xx, never a 413 here


def _produce_files(env: dict[str, str], folder: Path, lines: list[bytes]) -> None:
    """JSONL files of 100 lines (a huge line in a file of its own), sent by `rasad produce`."""
    folder.mkdir()
    small = [line for line in lines if len(line) < 500_000]
    for n in range(0, len(small), 100):
        (folder / f"part-{n:05d}.jsonl").write_bytes(b"\n".join(small[n : n + 100]) + b"\n")
    for n, line in enumerate(line for line in lines if len(line) >= 500_000):
        (folder / f"huge-{n}.jsonl").write_bytes(line + b"\n")
    result = rasad("produce", str(folder), env=env, timeout=600)
    assert result.returncode in (0, 1), result.stderr.decode()[-2000:]  # 1: some were rejected


def _urls(out: Outputs) -> set[str]:
    try:
        out.store.refresh()
        response = out.store.engine.search(
            out.settings.index_alias,
            {"size": 10_000, "_source": ["article.url"], "query": {"match_all": {}}},
            missing_ok=True,
        )
    except Exception:
        return set()
    return {h["_source"]["article"]["url"] for h in response["hits"]["hits"]}


def _count(settings, topic: str) -> int:
    """Messages in a topic (the sum of its partitions' end offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bus.bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values()) if partitions else 0
    finally:
        consumer.close()
