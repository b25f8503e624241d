"""``/api/alerts``: token-protected CRUD mounted on the dashboard app; bad rules get a 400 and are not saved."""

from __future__ import annotations

import httpx
import pytest

from alerts.alert import from_article
from alerts.api import routes
from dashboards.app import create_app
from indexers.sqlite import SqliteStore
from rasad import concepts
from tests.alerts.corpus import tagged_corpus
from tests.helpers.asgi import Client

TOKEN = "t0ken"


@pytest.fixture
def rules(rule_store):
    """The rule store the API under test saves to."""
    return rule_store


def client(tmp_path, rules, token: str = TOKEN) -> Client:
    articles = SqliteStore(tmp_path / "rasad.db", concepts.load().stemmer)
    articles.setup()
    return Client(
        create_app(articles, concepts.load(), extra_routes=routes(rules, concepts.load(), token))
    )


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_crud_with_the_token(tmp_path, rules):
    api = client(tmp_path, rules)
    created = api.post(
        "/api/alerts",
        json={
            "name": "isis",
            "query": "ISIS",
            "filters": {"lang": ["ar"]},
            "webhooks": ["https://hooks.example.org/x"],
        },
        headers=auth(),
    )
    assert created.status_code == 201 and created.json()["secret"]
    listed = api.get("/api/alerts", headers=auth()).json()["rules"]
    assert [r["name"] for r in listed] == ["isis"] and "secret" not in listed[0]
    assert api.get("/api/alerts/rules/isis", headers=auth()).json()["filters"] == {"lang": ["ar"]}
    again = api.post("/api/alerts", json={"name": "isis", "query": "Putin"}, headers=auth())
    assert again.status_code == 400 and "exists" in again.json()["error"]
    assert api.delete("/api/alerts/rules/isis", headers=auth()).status_code == 200
    assert api.delete("/api/alerts/rules/isis", headers=auth()).status_code == 404
    assert rules.rules() == []


@pytest.mark.parametrize(
    "body, message",
    [
        ({"name": "x", "query": "colour:red"}, "unknown filter"),
        ({"name": "x", "query": "ISIS", "webhooks": ["gopher://x"]}, "bad URL"),
        ({"name": "x", "query": "(ISIS"}, "parenthesis"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_bad_rules_are_400_and_not_saved(tmp_path, rules, body, message):
    response = client(tmp_path, rules).post("/api/alerts", json=body, headers=auth())
    assert response.status_code == 400 and message in response.json()["error"]
    assert rules.rules() == []


def test_token_is_required(tmp_path, rules):
    api = client(tmp_path, rules)
    assert api.get("/api/alerts").status_code == 401
    assert api.get("/api/alerts", headers=auth("wrong")).status_code == 401
    assert api.post("/api/alerts", json={"name": "x", "query": "ISIS"}).status_code == 401
    assert rules.rules() == []
    assert client(tmp_path, rules, token="").get("/api/alerts", headers=auth("")).status_code == 403


def test_fired_alerts_are_listed(tmp_path, rules):
    article = tagged_corpus()[0]
    rules.record(from_article("isis", article, article.id))
    fired = client(tmp_path, rules).get("/api/alerts/fired?token=" + TOKEN).json()["alerts"]
    assert [(a["rule"], a["article_id"]) for a in fired] == [("isis", article.id)]


def test_feed_streams_new_alerts_as_server_sent_events(tmp_path, rules):
    """The SSE feed (served by a real uvicorn) sends each alert recorded after the client connected."""
    import threading

    import uvicorn

    from tests.helpers.network import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(client(tmp_path, rules).app, host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    article = tagged_corpus()[3]
    try:
        for _ in range(100):
            if server.started:
                break
            threading.Event().wait(0.05)
        event: list[str] = []
        with httpx.stream(
            "GET", f"http://127.0.0.1:{port}/api/alerts/feed?token={TOKEN}", timeout=10
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()
            assert next(lines) == ": connected"
            alert = from_article("raqqa", article, article.id)
            alert.latency.delivered = alert.latency.matched
            rules.record(alert)
            for line in lines:
                if line:
                    event.append(line)
                elif event:
                    break
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert event[0] == f"id: {alert.id}" and event[1] == "event: alert"
    assert '"rule":"raqqa"' in event[2].replace(" ", "")
