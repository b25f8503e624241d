"""HTTP push: hostile bodies are 4xx with a reason (never 5xx), and the token rule."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from processors.pipeline import handle_raw
from producers import push
from producers.publisher import Producer
from rasad.bus.memory import MemoryBus
from rasad.settings import Settings
from tests.helpers.asgi import Client
from tests.helpers.hostile import (
    BIDI,
    CONTROLS,
    HTML,
    hostile_input,
    hostile_json_bodies,
    nasty_article,
    reason,
)

SETTINGS = Settings(topic_raw="raw", topic_dlq="dlq")


def app(bus: MemoryBus, **options) -> Starlette:
    app = Starlette(routes=push.ROUTES)
    push.install(
        app, Producer(bus, SETTINGS), max_bytes=options.pop("max_bytes", 1 << 20), **options
    )
    return app


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "JSON nested deeper"),
        (b'{"text": "' + b"[" * 200 + b'", "raw": ' + b"[" * 3000 + b"]" * 3000 + b"}", "deeper"),
        (b'{"title": "x", "text": "lone \\ud800 surrogate"}', "lone UTF-16 surrogate"),
        (b'{"title": "x", "text": "\\udfff"}', "surrogate"),
        (b"\xff\xfe not utf-8", "not JSON"),
        (b'{"text": 5}', "must be a string"),
        (b'{"text": "   "}', "'text' is required"),
        (b'{"text": "ok", "published_at": ["x"]}', "date"),
    ],
)
def test_hostile_bodies_are_400_with_the_reason(body, reason):
    bus = MemoryBus()
    response = Client(app(bus)).post("/api/articles", content=body)
    assert response.status_code == 400, response.text
    assert reason in response.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=hostile_json_bodies())
def test_no_body_makes_the_push_endpoint_fail(body):
    bus = MemoryBus()
    response = Client(app(bus)).post("/api/articles", content=body)
    assert response.status_code < 500, response.text
    if response.status_code == 400:
        assert response.json()["error"]


def test_the_token_is_required_beyond_loopback_and_whenever_set():
    bus = MemoryBus()
    one = json.dumps({"title": "Talks", "text": "Delegates met in Geneva."}).encode()
    local = Client(app(bus))
    assert local.post("/api/articles", content=one).status_code == 202
    exposed = Client(app(bus, host="0.0.0.0"))
    refused = exposed.post("/api/articles", content=one)
    assert refused.status_code == 403 and "RASAD_HTTP_PUSH_TOKEN" in refused.json()["error"]
    guarded = Client(app(bus, host="0.0.0.0", token="s3cret"))
    assert guarded.post("/api/articles", content=one).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert guarded.post("/api/articles", content=one, headers=wrong).status_code == 401
    right = {"Authorization": "Bearer s3cret"}
    answer = guarded.post(
        "/api/articles",
        content=json.dumps({"title": "Other", "text": "Another story entirely."}),
        headers=right,
    )
    assert answer.status_code == 202
    assert Client(app(bus, token="s3cret")).post("/api/articles", content=one).status_code == 401
    assert push.loopback("127.0.0.1") and push.loopback("::1") and push.loopback("localhost")
    assert not push.loopback("0.0.0.0") and not push.loopback("example.org")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.integers(0, 10**6).flatmap(hostile_input))
def test_each_hostile_kind_is_dead_lettered_with_its_reason(case, lexicon):
    """Through the push endpoint (producer side) and straight onto the raw topic (tagger side)."""
    kind, body = case
    bus = MemoryBus()
    response = Client(app(bus, max_bytes=5 << 20)).post("/api/articles", content=body)
    bus.flush()
    if response.status_code == 202:  # sent on: the tagger must be the one to refuse it
        [(_, sent)] = bus.recent("raw")
        outcome = handle_raw(sent, lexicon)
        assert outcome.article is None and outcome.reason == reason(kind, True), outcome
    else:
        assert response.status_code == 400, response.text
        [(_, record)] = bus.recent("dlq")
        assert json.loads(record)["reason"] == reason(kind, True)
    outcome = handle_raw(body, lexicon)
    assert outcome.article is None and outcome.reason == reason(kind, False), (kind, outcome)


def test_a_nasty_but_valid_article_is_tagged_clean(lexicon):
    article = handle_raw(json.dumps(nasty_article(3)).encode(), lexicon).article
    assert article is not None
    for field in (article.title, article.text, article.source):
        assert not any(c in field for c in CONTROLS + BIDI), field
    assert HTML[3] in article.title  # markup is text: kept as written, escaped where shown


def test_a_big_body_is_read_off_the_event_loop(monkeypatch):
    # A batch of megabytes takes tens of milliseconds to decode and read: not on the server's
    # event loop (every other connection would wait), a small one is (a thread hop costs more).
    import threading

    threads: list[tuple[int, bool]] = []
    decode = push.payload.decode

    def watched(body):
        threads.append((len(body), threading.current_thread() is threading.main_thread()))
        return decode(body)

    monkeypatch.setattr(push.payload, "decode", watched)
    bus = MemoryBus()
    client = Client(app(bus))
    small = json.dumps({"title": "Talks", "text": "Delegates met in Geneva."}).encode()
    big = json.dumps(
        [{"title": f"Talks {n}", "text": "Delegates met in Geneva. " * 40} for n in range(200)]
    ).encode()
    assert len(big) > 128 * 1024
    assert client.post("/api/articles", content=small).status_code == 202
    assert client.post("/api/articles", content=big).status_code == 202
    assert [on_loop for _, on_loop in threads] == [True, False], threads
    assert len(bus.recent("raw")) == 201
