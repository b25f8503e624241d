"""The producers on the real Kafka (the project's stack): CLI, restart, HTTP push."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import httpx
import pytest
from kafka import KafkaConsumer

from producers.corpus import SAMPLES
from tests.helpers.paths import ROOT, SEED
from tests.helpers.processes import rasad, settings_from, wait_for

pytestmark = pytest.mark.stack


def consume(env: dict[str, str], topic: str, expected: int, timeout: float = 30) -> list:
    """Every record of ``topic`` (at least ``expected`` of them, waiting up to ``timeout``)."""
    settings = settings_from(env)
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.bus.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=2000,
        enable_auto_commit=False,
    )
    records = []
    try:
        wait_for(
            lambda: records.extend(consumer) or len(records) >= expected,
            timeout=timeout,
            message=f"{expected} records on {topic}",
        )
        records.extend(consumer)  # anything beyond what was expected (duplicates would show here)
    finally:
        consumer.close()
    return records


def test_produce_files_to_kafka_with_bad_inputs_dead_lettered(stack_env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "seed.txt")
    cp1256 = (
        "تبادل للأسرى في اليمن\n\nأقلعت طائرات الصليب الأحمر من مطاري صنعاء وعدن في عملية "
        "تبادل شملت مئتي أسير.\n"
    )
    (inbox / "windows.txt").write_bytes(cp1256.encode("cp1256"))
    (inbox / "export.jsonl").write_text(
        json.dumps({"title": "Talks", "text": "Delegates met in Geneva."})
        + "\n"
        + json.dumps({"title": "no text"})
        + "\n",
        encoding="utf-8",
    )
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    result = rasad("produce", str(inbox), env=stack_env)
    out, errors = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1, out + errors
    assert "read 6 · sent 3 · duplicates 0 · errors 3" in out
    assert "empty, no text" in errors and "binary data" in errors and "'text' is required" in errors

    settings = settings_from(stack_env)
    raw = consume(stack_env, settings.topic_raw, 3)
    articles = {json.loads(r.value)["title"]: json.loads(r.value) for r in raw}
    assert len(raw) == 3 and all(r.key.decode("utf-8") == json.loads(r.value)["id"] for r in raw)
    assert articles["تبادل للأسرى في اليمن"]["text"].startswith("أقلعت طائرات الصليب الأحمر")
    assert articles["تبادل للأسرى في اليمن"]["language"] == "ar"
    seed = articles['بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته']
    assert (
        seed["byline"] == "نصر المجالي"
        and "تويتر" not in seed["text"]
        and seed["raw"].startswith("أخبار")
    )
    dlq = [json.loads(r.value) for r in consume(stack_env, settings.topic_dlq, 3)]
    assert sorted(d["reason"] for d in dlq) == ["binary", "empty", "missing_text"]


def test_restarted_producer_sends_each_article_exactly_once(stack_env, tmp_path):
    settings = settings_from(stack_env)
    jsonl = SAMPLES / "articles.jsonl"
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    first = rasad("produce", str(half), env=stack_env, check=True).stdout.decode()
    assert f"sent {len(lines) // 2} " in first
    # The "restart" reads everything: it must send only the half the first run did not.
    second = rasad("produce", str(jsonl), env=stack_env, check=True).stdout.decode()
    assert f"sent {len(lines) - len(lines) // 2} · duplicates {len(lines) // 2}" in second
    third = rasad("produce", str(jsonl), env=stack_env, check=True).stdout.decode()
    assert f"sent 0 · duplicates {len(lines)}" in third
    ids = [r.key.decode() for r in consume(stack_env, settings.topic_raw, len(lines))]
    assert len(ids) == len(set(ids)) == len(lines)


def test_http_push_on_kafka(stack_env, tmp_path):
    env = {**stack_env, "RASAD_PRODUCER_MAX_BYTES": "4096"}
    settings = settings_from(env)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{settings.http_port}"
    try:

        def up():
            try:
                return httpx.get(f"{base}/api/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                assert server.poll() is None, log.read_text(errors="replace")
                return False

        wait_for(up, timeout=60, message="rasad serve")
        batch = [
            {
                "title": "Aid reaches Gaza",
                "text": "Forty trucks entered northern Gaza.",
                "url": "https://g.example/1",
            },
            {
                "title": "Talks in Muscat",
                "text": "Oman hosted indirect talks between Iran and the US.",
            },
        ]
        accepted = httpx.post(f"{base}/api/articles", json=batch, timeout=30)
        assert accepted.status_code == 202, accepted.text
        ids = accepted.json()["ids"]
        rejected = httpx.post(f"{base}/api/articles", json={"title": "only a title"}, timeout=30)
        assert rejected.status_code == 400 and "text" in rejected.json()["problems"][0]["error"]
        too_large = httpx.post(
            f"{base}/api/articles", json={"title": "big", "text": "word " * 2000}, timeout=30
        )
        assert too_large.status_code == 413
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw = consume(env, settings.topic_raw, 2)
    assert sorted(r.key.decode() for r in raw) == sorted(ids)
    assert [json.loads(r.value)["reason"] for r in consume(env, settings.topic_dlq, 1)] == [
        "missing_text"
    ]
