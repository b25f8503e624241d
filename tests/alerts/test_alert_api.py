"""``/api/alerts`` on the dashboard app: bearer tokens for API clients, a login cookie for the
pages (HttpOnly, SameSite, Secure over https, signed, revoked at logout) with the CSRF checks
on every change, rule CRUD with state (enable, disable, snooze), tests of a rule on the search
store, rules as files, the time-ranged history, the SSE feed without a token in its URL, and
errors answered by the app's handlers."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
import uvicorn
import yaml

from alerts.alert import Latency, from_article
from alerts.api import ROUTES
from dashboards.app import create_app
from indexers.sqlite import SqliteStore
from rasad import concepts
from rasad.model import utcnow
from rasad.sessions import Sessions
from tests.alerts.corpus import tagged_corpus
from tests.helpers.asgi import Client
from tests.helpers.network import free_port

TOKEN = "t0ken"
SITE = "http://rasad.test"


@pytest.fixture
def rules(rule_store):
    """The rule store the API under test saves to."""
    return rule_store


def client(tmp_path, rules, token: str = TOKEN, indexed: bool = False) -> Client:
    articles = SqliteStore(tmp_path / "rasad.db", concepts.load().stemmer)
    articles.setup()
    if indexed:
        articles.index(tagged_corpus())
    app = create_app(articles, concepts.load(), extra_routes=ROUTES, sessions=Sessions(token))
    app.state.rules = rules
    app.state.alerts_poll = 0.05
    return Client(app)


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def logged_in(api: Client) -> str:
    """Log in through the form; the CSRF token the page would send."""
    response = api.post(
        "/login", data={"token": TOKEN, "next": "/alerts"}, headers={"Origin": SITE}
    )
    assert response.status_code == 303 and response.headers["location"] == "/alerts"
    page = api.get("/alerts")
    assert page.status_code == 200
    return page.text.split('"csrf": "')[1].split('"')[0]


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
    assert listed[0]["state"] == "enabled" and listed[0]["kind"] == "keyword"
    assert api.get("/api/alerts/rules/isis", headers=auth()).json()["filters"] == {"lang": ["ar"]}
    again = api.post("/api/alerts", json={"name": "isis", "query": "Putin"}, headers=auth())
    assert again.status_code == 400 and "exists" in again.json()["error"]
    assert api.delete("/api/alerts/rules/isis", headers=auth()).status_code == 200
    assert api.delete("/api/alerts/rules/isis", headers=auth()).status_code == 404
    assert rules.rules() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "query": "colour:red"}, "unknown filter"),
        ({"name": "x", "query": "ISIS", "webhooks": ["gopher://x"]}, "bad URL"),
        ({"name": "x", "query": "(ISIS"}, "parenthesis"),
        (["not", "an", "object"], "JSON object"),
        (
            {"name": "x", "query": "ISIS", "message": {"text": "$headline"}},
            "unknown field $headline",
        ),
        ({"name": "x", "silence": {"by": "source"}}, "quiet"),
        ({"name": "<script>alert(1)</script>", "query": "ISIS"}, "bad rule name"),
        ({"name": "x", "query": "ISIS", "delivery": "hourly"}, "delivery"),
    ],
)
def test_bad_rules_are_400_and_not_saved(tmp_path, rules, body, message):
    response = client(tmp_path, rules).post("/api/alerts", json=body, headers=auth())
    assert response.status_code == 400 and message in response.json()["error"]
    assert rules.rules() == []


def test_a_body_that_is_not_json_or_nests_too_deep_is_400(tmp_path, rules):
    api = client(tmp_path, rules)
    assert api.post("/api/alerts", content=b"{", headers=auth()).status_code == 400
    deep = b"[" * 100_000 + b"]" * 100_000
    assert api.post("/api/alerts", content=deep, headers=auth()).status_code == 400


def test_a_token_or_a_login_is_required(tmp_path, rules):
    api = client(tmp_path, rules)
    missing = api.get("/api/alerts")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert api.get("/api/alerts", headers=auth("wrong")).status_code == 401
    assert api.post("/api/alerts", json={"name": "x", "query": "ISIS"}).status_code == 401
    assert api.get(f"/api/alerts/fired?token={TOKEN}").status_code == 401  # no token in URLs
    assert rules.rules() == []
    off = client(tmp_path, rules, token="")
    assert off.get("/api/alerts", headers=auth("")).status_code == 403
    assert "RASAD_ALERTS_TOKEN" in off.get("/login").text


def test_pages_send_a_visitor_to_the_login_and_back(tmp_path, rules):
    api = client(tmp_path, rules)
    for path in ("/alerts", "/alerts/history?rule=isis&range=7d"):
        page = api.get(path)
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=" + quote(path, safe="")
    wrong = api.post("/login", data={"token": "nope", "next": "/alerts"}, headers={"Origin": SITE})
    assert wrong.status_code == 401 and "wrong token" in wrong.text
    right = api.post(
        "/login", data={"token": TOKEN, "next": "/alerts/history"}, headers={"Origin": SITE}
    )
    assert right.status_code == 303 and right.headers["location"] == "/alerts/history"
    cookie = right.headers["set-cookie"].lower()
    assert "rasad_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/" in cookie and "secure" not in cookie
    assert api.get("/alerts/history").status_code == 200
    assert api.get("/api/alerts").status_code == 200  # the API takes the cookie too
    assert api.get("/login?next=/alerts").headers["location"] == "/alerts"  # already in


def test_the_cookie_is_secure_over_https_and_next_stays_on_the_site(tmp_path, rules):
    api = client(tmp_path, rules)
    https = api.post(
        "https://rasad.test/login",
        data={"token": TOKEN, "next": "//evil.example/x"},
        headers={"Origin": "https://rasad.test"},
    )
    assert https.status_code == 303 and "secure" in https.headers["set-cookie"].lower()
    assert https.headers["location"] == "/alerts"  # never another site


def test_a_login_from_another_site_is_refused_and_guessing_is_throttled(tmp_path, rules):
    api = client(tmp_path, rules)
    foreign = api.post("/login", data={"token": TOKEN}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "rasad_session" not in foreign.headers.get(
        "set-cookie", ""
    )
    for _ in range(10):
        assert (
            api.post("/login", data={"token": "guess"}, headers={"Origin": SITE}).status_code == 401
        )
    blocked = api.post("/login", data={"token": TOKEN}, headers={"Origin": SITE})
    assert blocked.status_code == 429 and "set-cookie" not in blocked.headers


def test_changes_with_the_cookie_need_this_site_and_the_csrf_token(tmp_path, rules):
    api = client(tmp_path, rules)
    csrf = logged_in(api)
    rule = {"name": "isis", "query": "ISIS"}
    no_token = api.post("/api/alerts", json=rule, headers={"Origin": SITE})
    assert no_token.status_code == 403 and "x-csrf-token" in no_token.json()["error"]
    cross_site = api.post(
        "/api/alerts", json=rule, headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf}
    )
    assert cross_site.status_code == 403
    no_origin = api.post("/api/alerts", json=rule, headers={"X-CSRF-Token": csrf})
    assert no_origin.status_code == 403
    assert rules.rules() == []
    made = api.post("/api/alerts", json=rule, headers={"Origin": SITE, "X-CSRF-Token": csrf})
    assert made.status_code == 201
    same_site_referer = api.delete(
        "/api/alerts/rules/isis", headers={"Referer": f"{SITE}/alerts", "X-CSRF-Token": csrf}
    )
    assert same_site_referer.status_code == 200


def test_logout_ends_the_session_even_if_the_cookie_is_replayed(tmp_path, rules):
    api = client(tmp_path, rules)
    csrf = logged_in(api)
    stolen = dict(api.cookies)
    assert (
        api.post("/logout", data={"csrf_token": "x"}, headers={"Origin": SITE}).status_code == 403
    )
    out = api.post("/logout", data={"csrf_token": csrf}, headers={"Origin": SITE})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (
        'rasad_session=""' in out.headers["set-cookie"]
        or "max-age=0" in out.headers["set-cookie"].lower()
    )
    replay = Client(api.app)
    replay.cookies.update(stolen)
    assert replay.get("/api/alerts").status_code == 401
    assert replay.get("/alerts").status_code == 303


def test_a_forged_or_expired_cookie_is_no_login(tmp_path, rules):
    sessions = Sessions(TOKEN, lifetime=60)
    cookie, _ = sessions.issue(now=1000.0)
    assert sessions.verify(cookie, now=1059.0) is not None
    assert sessions.verify(cookie, now=1061.0) is None
    expiry, nonce, mac = cookie.split(".")
    assert sessions.verify(f"{int(expiry) + 3600}.{nonce}.{mac}", now=1000.0) is None
    assert Sessions("other").verify(cookie, now=1000.0) is None  # a new token logs everyone out


def test_edit_enable_disable_snooze_and_unsnooze(tmp_path, rules):
    api = client(tmp_path, rules)
    made = api.post(
        "/api/alerts",
        json={"name": "isis", "query": "ISIS", "webhooks": ["https://hooks.example.org/x"]},
        headers=auth(),
    ).json()
    edited = api.put(
        "/api/alerts/rules/isis",
        json={"query": "داعش", "delivery": "digest", "digest_minutes": 15},
        headers=auth(),
    )
    assert edited.status_code == 200 and edited.json()["query"] == "داعش"
    stored = rules.get("isis")
    assert stored.secret == made["secret"] and stored.created_at.isoformat().startswith(
        made["created_at"][:19]
    )
    assert stored.delivery == "digest" and stored.webhooks == []
    renamed = api.put(
        "/api/alerts/rules/isis", json={"name": "other", "query": "x"}, headers=auth()
    )
    assert renamed.status_code == 400 and "keeps its name" in renamed.json()["error"]
    assert api.put("/api/alerts/rules/none", json={"query": "x"}, headers=auth()).status_code == 404
    assert api.post("/api/alerts/rules/isis/disable", headers=auth()).json()["state"] == "disabled"
    assert rules.get("isis").enabled is False
    assert api.post("/api/alerts/rules/isis/enable", headers=auth()).json()["state"] == "enabled"
    snoozed = api.post("/api/alerts/rules/isis/snooze", json={"minutes": 90}, headers=auth()).json()
    assert snoozed["state"] == "snoozed"
    assert (
        timedelta(minutes=89) < rules.get("isis").snoozed_until - utcnow() <= timedelta(minutes=90)
    )
    until = (utcnow() + timedelta(days=2)).isoformat()
    assert (
        api.post("/api/alerts/rules/isis/snooze", json={"until": until}, headers=auth()).status_code
        == 200
    )
    for bad in (
        {"minutes": -5},
        {"until": "2020-01-01T00:00:00Z"},
        {"until": "tomorrow"},
        {"minutes": "nan"},
        [1],
    ):
        response = api.post("/api/alerts/rules/isis/snooze", json=bad, headers=auth())
        assert response.status_code == 400, bad
    assert api.post("/api/alerts/rules/isis/unsnooze", headers=auth()).json()["state"] == "enabled"
    assert api.post("/api/alerts/rules/isis/explode", headers=auth()).status_code == 404


def test_a_rule_or_a_draft_is_tested_on_the_search_store(tmp_path, rules):
    api = client(tmp_path, rules, indexed=True)
    api.post("/api/alerts", json={"name": "raqqa", "query": "Raqqa"}, headers=auth())
    saved = api.get("/api/alerts/rules/raqqa/test?days=36500", headers=auth()).json()
    expected = {a.id for a in tagged_corpus() if "Raqqa" in a.text or "الرقة" in a.text}
    assert saved["total"] == len(expected) >= 2 and {a["id"] for a in saved["articles"]} == expected
    draft = api.post(
        "/api/alerts/test?days=36500",
        json={"query": "ISIS", "filters": {"lang": ["fr"]}},
        headers=auth(),
    ).json()
    assert draft["rule"] == "draft" and [a["language"] for a in draft["articles"]] == ["fr"]
    recent = api.get("/api/alerts/rules/raqqa/test?days=1", headers=auth()).json()
    assert recent["total"] == 0  # the corpus is from 2015
    assert api.get("/api/alerts/rules/raqqa/test?days=0", headers=auth()).status_code == 400
    assert api.post("/api/alerts/test", json={"query": "(x"}, headers=auth()).status_code == 400


def record(rules, n: int, rule: str, minutes_ago: float):
    article = tagged_corpus()[n % len(tagged_corpus())]
    alert = from_article(rule, article, f"story-{rule}-{n}")
    alert.latency = Latency(matched=utcnow() - timedelta(minutes=minutes_ago))
    rules.record(alert)
    return alert


def test_the_history_is_ranged_filtered_and_paged(tmp_path, rules):
    api = client(tmp_path, rules)
    made = [record(rules, n, "isis" if n % 2 else "putin", minutes_ago=n * 10) for n in range(12)]
    day = api.get("/api/alerts/history?range=1h&size=50", headers=auth()).json()
    assert [a["id"] for a in day["alerts"]] == [a.id for a in made[:6]]  # newest first
    isis = api.get("/api/alerts/history?range=24h&rule=isis&size=2", headers=auth()).json()
    assert (isis["total"], isis["pages"], len(isis["alerts"])) == (6, 3, 2)
    third = api.get("/api/alerts/history?range=24h&rule=isis&size=2&page=3", headers=auth()).json()
    assert [a["id"] for a in third["alerts"]] == [made[9].id, made[11].id]
    since = (utcnow() - timedelta(minutes=55)).isoformat()
    until = (utcnow() - timedelta(minutes=25)).isoformat()
    ranged = api.get(
        "/api/alerts/history", params={"from": since, "to": until}, headers=auth()
    ).json()
    assert [a["id"] for a in ranged["alerts"]] == [made[3].id, made[4].id, made[5].id]
    for bad in (
        "range=2y",
        "from=yesterday",
        "page=0",
        "size=500",
        "page=200&size=100",
        f"from={until}&to={since}",
        "from=2025-01-01T00:00:00",
    ):
        assert api.get(f"/api/alerts/history?{bad}", headers=auth()).status_code == 400, bad
    assert (
        api.get("/api/alerts/fired?limit=3", headers=auth()).json()["alerts"][0]["id"] == made[0].id
    )


def test_rules_as_files_through_the_api(tmp_path, rules):
    api = client(tmp_path, rules)
    api.post("/api/alerts", json={"name": "isis", "query": "ISIS"}, headers=auth())
    exported = api.get("/api/alerts/export?format=yaml", headers=auth())
    assert exported.headers["content-disposition"].endswith('rasad-alert-rules.yaml"')
    assert [r["name"] for r in yaml.safe_load(exported.text)["rules"]] == ["isis"]
    assert "secret" not in exported.text
    assert api.get("/api/alerts/export?format=xml", headers=auth()).status_code == 400
    bad = '{"rules": [{"name": "a", "query": "Putin"}, {"name": "b", "query": "x:y"}]}'
    refused = api.post("/api/alerts/import", content=bad, headers=auth())
    assert refused.status_code == 400 and "rule 2 (b)" in refused.json()["error"]
    taken = api.post("/api/alerts/import", content=exported.text, headers=auth())
    assert taken.status_code == 400 and "exist already" in taken.json()["error"]
    good = "rules:\n  - name: a\n    query: Putin\n  - name: isis\n    query: داعش\n"
    done = api.post("/api/alerts/import?replace=1", content=good.encode(), headers=auth()).json()
    assert done == {"added": ["a"], "replaced": ["isis"]}
    assert rules.get("isis").query == "داعش"
    assert api.post("/api/alerts/import", content=b"\xff\xfe", headers=auth()).status_code == 400


def test_a_store_that_is_down_is_503(tmp_path, rules):
    api = client(tmp_path, rules)
    rules.close()
    response = api.get("/api/alerts", headers=auth())
    assert response.status_code == 503 and "unavailable" in response.json()["error"]


def test_the_feed_streams_alerts_to_a_logged_in_page_until_it_logs_out(tmp_path, rules):
    """The SSE feed (a real uvicorn) sends each alert recorded after the page connected, with the
    login cookie (no token in its URL), and ends when that login does."""
    api = client(tmp_path, rules)
    csrf = logged_in(api)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api.app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    article = tagged_corpus()[3]
    try:
        for _ in range(100):
            if server.started:
                break
            threading.Event().wait(0.05)
        base = f"http://127.0.0.1:{port}/api/alerts/feed"
        assert httpx.get(f"{base}?token={TOKEN}", timeout=5).status_code == 401
        event: list[str] = []
        cookies = {"rasad_session": api.cookies["rasad_session"]}
        with httpx.stream("GET", base, cookies=cookies, timeout=10) as response:
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
            out = api.post("/logout", data={"csrf_token": csrf}, headers={"Origin": SITE})
            assert out.status_code == 303
            assert [line for line in lines if line] == []  # the stream ends, nothing more
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert event[0] == f"id: {alert.id}" and event[1] == "event: alert"
    assert '"rule":"raqqa"' in event[2].replace(" ", "")
