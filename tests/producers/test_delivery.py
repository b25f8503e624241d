"""Delivery on the memory bus: completion, duplicates, the state store across
restarts, follow mode, HTTP push.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
from starlette.applications import Starlette

from producers import push
from producers.fetch import Fetcher
from producers.files import read_file
from producers.follow import Follower
from producers.publisher import Producer
from producers.sources import Item
from producers.state import State
from producers.synthetic import synthetic_articles, synthetic_items
from rasad.bus.memory import MemoryBus
from rasad.errors import BusError
from rasad.model import Article
from rasad.settings import Settings
from tests.helpers.network import AppServer

SETTINGS = Settings(topic_raw="raw", topic_dlq="dlq")


def item(text: str, url: str | None = None, title: str = "A title") -> Item:
    return Item(f"test:{url or text[:10]}", article=Article(title=title, text=text, url=url))


def raw_ids(bus: MemoryBus) -> list[str]:
    return [json.loads(value)["id"] for _, value in bus.recent("raw")]


def test_articles_are_completed_and_exact_duplicates_dropped():
    bus = MemoryBus()
    text = "Delegates of the government and the opposition met again in Geneva on Monday."
    summary = Producer(bus, SETTINGS).send(
        [
            item(text, "https://a.example/1"),
            item(text, "https://a.example/1?utm_source=x"),  # same id
            item(text, "https://b.example/other"),  # same normalized text, another URL
            item(
                text.upper().replace("GENEVA", "Geneva"), None
            ),  # case-folded: same normalized text
            item(
                "Российские и украинские делегации обменялись пленными при посредничестве ОАЭ.",
                None,
            ),
        ]
    )
    bus.flush()
    assert (summary.read, summary.sent, summary.duplicates) == (5, 2, 3)
    sent = [json.loads(v) for _, v in bus.recent("raw")]
    assert [a["language"] for a in sent] == ["en", "ru"]
    assert all(a["language_confidence"] > 0.5 and a["ingested_at"] for a in sent)
    assert [key for key, _ in bus.recent("raw")] == [a["id"] for a in sent]  # keyed by article id


class FlakyBus(MemoryBus):
    """Fails the acknowledgement of every third message: a broker that goes away mid-run."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def publish(self, topic, key, value):
        self.count += 1
        if topic == "raw" and self.count % 3 == 0:

            class Failed:
                def result(self, timeout=None):
                    raise BusError("not acknowledged")

            return Failed()
        return super().publish(topic, key, value)


def test_restart_neither_resends_acknowledged_nor_skips_unacknowledged(tmp_path):
    items = list(synthetic_items(30, size=300))
    flaky = FlakyBus()
    state = State(tmp_path / "state.db", "raw")
    first = Producer(flaky, SETTINGS, state, batch=7).send(items)
    flaky.flush()
    assert first.sent == 20 and first.unacknowledged == 10 and len(first.errors) == 10
    state.close()

    bus = MemoryBus()
    state = State(tmp_path / "state.db", "raw")  # a new process: only the state file survives
    second = Producer(bus, SETTINGS, state).send(items)
    bus.flush()
    assert (second.sent, second.duplicates) == (10, 20)
    assert sorted(raw_ids(flaky) + raw_ids(bus)) == sorted(
        a.id for a in synthetic_articles(30, size=300)
    )
    third = Producer(bus, SETTINGS, state).send(items)
    assert (third.sent, third.duplicates) == (0, 30)


def test_bad_items_are_dead_lettered_with_the_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    bus = MemoryBus()
    summary = Producer(bus, SETTINGS).send(read_file(tmp_path / "empty.txt"))
    bus.flush()
    assert summary.errors == [f"{tmp_path / 'empty.txt'}: empty, no text"]
    (record,) = [json.loads(v) for _, v in bus.recent("dlq")]
    assert record["reason"] == "empty" and record["origin"]["origin"] == str(tmp_path / "empty.txt")


def test_watched_folder_picks_up_each_new_file_once(tmp_path, monkeypatch):
    monkeypatch.setattr("producers.follow.SETTLE_SECONDS", 0.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bus = MemoryBus()
    state = State(tmp_path / "state.db", "raw")
    with Fetcher() as fetcher:
        follower = Follower(
            Producer(bus, SETTINGS, state), state, fetcher, [inbox], [], folder_interval=0.05
        )
        stop = threading.Event()
        runner = threading.Thread(target=follower.run, args=(stop,))
        runner.start()
        try:
            for n in range(3):
                (inbox / f"{n}.jsonl").write_text(
                    json.dumps({"title": f"Story {n}", "text": f"Body of story {n}."})
                )
                deadline = time.monotonic() + 10
                while len(bus.recent("raw")) < n + 1 and time.monotonic() < deadline:
                    time.sleep(0.05)
            time.sleep(0.3)  # several more polls: nothing may be read twice
        finally:
            stop.set()
            runner.join(timeout=10)
        assert len(bus.recent("raw")) == 3
        # A restarted follower finds every file already done.
        restarted = Follower(Producer(bus, SETTINGS, state), state, fetcher, [inbox], [])
        assert restarted.poll_once() == []


def test_http_push_answers_202_400_413():
    bus = MemoryBus()
    app = Starlette(routes=push.ROUTES)
    push.install(app, Producer(bus, SETTINGS), max_bytes=4096, max_batch=3)
    server = AppServer(app)
    try:
        with httpx.Client(base_url=server.url("")) as client:
            check_push(client, bus)
    finally:
        server.close()


def check_push(client: httpx.Client, bus: MemoryBus) -> None:
    one = {
        "title": "Talks resume",
        "text": "Delegates met in Geneva on Monday.",
        "url": "https://n.example/1",
    }
    response = client.post("/api/articles", json=one)
    assert response.status_code == 202 and response.json()["ids"] == [Article(**one).id]
    batch = [{"title": f"t{n}", "text": f"Story number {n} from the wire."} for n in range(3)]
    response = client.post("/api/articles", json={"articles": batch})
    assert response.status_code == 202 and response.json()["sent"] == 3
    assert client.post("/api/articles", json=one).json()["duplicates"] == 1

    bad = client.post("/api/articles", json=[{"title": "no text"}, one])
    assert bad.status_code == 400 and bad.json()["problems"][0]["reason"] == "missing_text"
    assert client.post("/api/articles", content=b"{not json").status_code == 400
    assert client.post("/api/articles", json=[]).status_code == 400
    assert client.post("/api/articles", json=batch + batch).status_code == 413
    huge = client.post("/api/articles", json={"title": "x", "text": "word " * 2000})
    assert huge.status_code == 413 and "limit" in huge.json()["error"]
    bus.flush()
    assert len(bus.recent("raw")) == 4
    # The bad item and the body that was not JSON; the empty batch and the 413s are not kept.
    assert [json.loads(v)["reason"] for _, v in bus.recent("dlq")] == ["missing_text", "not_json"]
