"""``rasad bench produce``: producer throughput through Rasad vs a bare kafka-python send loop."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path

from kafka import KafkaProducer

import wiring
from bench.leftovers import drop_run, named_after
from bench.report import Measure, Report
from producers.files import FileSource
from producers.publisher import Producer
from producers.state import State
from producers.synthetic import LANGUAGES, synthetic_articles
from rasad.bus.kafka import ensure_topics
from rasad.errors import ConfigError, RasadError
from rasad.language import detect
from rasad.model import article_id
from rasad.settings import Settings


def run(settings: Settings, count: int = 5000, size: int = 2000, command: str = "") -> Report:
    """Articles/s of the synthetic corpus: a bare kafka-python loop, then `rasad produce`."""
    if settings.bus.scheme != "kafka":
        raise ConfigError(
            "bench produce needs the Kafka bus: run `rasad stack up` and set RASAD_BUS=kafka://HOST:PORT"
        )
    report = Report("produce", "rasad bench produce: producer throughput", command)
    with tempfile.TemporaryDirectory(prefix="rasad-bench-") as folder:
        plain, tagged = Path(folder) / "plain", Path(folder) / "tagged"
        articles = list(synthetic_articles(count, size))
        _write_chunks(plain, [_line(a, False) for a in articles])
        _write_chunks(tagged, [_line(a, True) for a in articles])
        megabytes = sum(p.stat().st_size for p in plain.iterdir()) / 1e6
        runs = [
            ("bare kafka-python send loop (values ready)", _bare(settings, plain)),
            ("rasad produce", _rasad(settings, plain)),
            ("rasad produce, language given", _rasad(settings, tagged)),
        ]
    (name, (sent, seconds)), *others = runs
    bare = report.add(_produced(name, sent, seconds, megabytes))
    for name, (sent, seconds) in others:
        report.add(_produced(name, sent, seconds, megabytes, bare))
    report.notes.append(
        f"{count} synthetic articles × ~{size} B ({megabytes:.1f} MB of JSON lines); the same "
        "producer settings as the KafkaBus (acks=all, idempotent, gzip, linger 20 ms)."
    )
    return report.finish()


def _produced(
    name: str, sent: int, seconds: float, megabytes: float, bare: Measure | None = None
) -> Measure:
    note = f"{sent} sent in {seconds:.2f} s, {megabytes / seconds:.2f} MB/s"
    return Measure(name, sent / seconds, "articles/s", bare, note=note)


def _write_chunks(folder: Path, lines: list[str], per_file: int = 1000) -> None:
    """JSONL files of ``per_file`` lines each (files over 5 MB are refused, as in real runs)."""
    folder.mkdir()
    for start in range(0, len(lines), per_file):
        (folder / f"{start // per_file:05d}.jsonl").write_text(
            "".join(lines[start : start + per_file]), encoding="utf-8"
        )


def _line(article, with_language: bool) -> str:
    obj = {
        "url": article.url,
        "source": article.source,
        "title": article.title,
        "text": article.text,
        "published_at": article.published_at.isoformat(),
    }
    if with_language:
        obj["language"] = _language_of(article)
    return json.dumps(obj, ensure_ascii=False) + "\n"


def _language_of(article) -> str:

    return LANGUAGES[int(article.url.rsplit("/", 1)[-1]) % len(LANGUAGES)]


def _fresh_topics(settings: Settings) -> Settings:
    return named_after(settings, f"bench-{uuid.uuid4().hex[:8]}")


def _bare(settings: Settings, path: Path) -> tuple[int, float]:
    """The floor: KafkaBus's producer settings, values already serialized, no parsing or checks."""

    settings = _fresh_topics(settings)
    bootstrap = settings.bus.bootstrap
    ensure_topics(bootstrap, settings)
    records = [
        (article_id(json.loads(line)["url"], "", "").encode(), line.encode())
        for file in sorted(path.iterdir())
        for line in file.read_text(encoding="utf-8").splitlines()
    ]
    producer = KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        acks="all",
        enable_idempotence=True,
        compression_type="gzip",
        linger_ms=20,
        max_request_size=8 * 1024 * 1024,
    )
    start = time.perf_counter()
    futures = [producer.send(settings.topic_raw, key=key, value=value) for key, value in records]
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    seconds = time.perf_counter() - start
    producer.close()
    drop_run(settings, settings.topic_raw.removesuffix(".raw"))
    return len(records), seconds


def _rasad(settings: Settings, path: Path) -> tuple[int, float]:
    """What `rasad produce FILE` does: read, parse, complete, dedup, send, wait for every ack."""

    settings = _fresh_topics(settings)
    bus = wiring.open_bus(settings)
    state = State(None, settings.topic_raw)
    detect("warm up")  # building the language detector is a one-off start-up cost, not throughput
    start = time.perf_counter()
    summary = Producer(bus, settings, state, batch=settings.producer_batch).send(
        FileSource([path]).items()
    )
    seconds = time.perf_counter() - start
    bus.close()
    drop_run(settings, settings.topic_raw.removesuffix(".raw"))
    if summary.errors:
        raise RasadError(f"bench run had errors: {summary.errors[0]}")
    return summary.sent, seconds
