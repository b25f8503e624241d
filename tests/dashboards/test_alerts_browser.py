"""The alerts pages in real Chromium on `rasad demo`: the login (an HttpOnly cookie, never a token
in the page), creating, testing, editing, disabling, snoozing and deleting a rule, the history
with each alert's latency record and destinations, a produced article reaching the history and
the overview's live feed without a reload, and hostile rule names, queries and article text that
run nothing. Screenshots in artifacts/screenshots/."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.helpers.browser import Console, demo_server, launch, screenshot
from tests.helpers.receivers import WebhookReceiver

pytestmark = pytest.mark.browser

TOKEN = "demo-token-" + uuid.uuid4().hex[:8]
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with demo_server(
        tmp_path_factory.mktemp("alerts"),
        RASAD_ALERTS_TOKEN=TOKEN,
        RASAD_ALERTS_ALLOW_PRIVATE="true",
        RASAD_ALERTS_RELOAD_INTERVAL="0.5",
        RASAD_ALERTS_CHECK_INTERVAL="1",
    ) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    opened = context.new_page()
    opened.console = Console(opened)
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def log_in(page, base: str, path: str = "/alerts") -> None:
    page.goto(base + path)
    assert "/login?next=" in page.url
    page.fill("#token", TOKEN)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"**{path}")
    page.wait_for_function("document.body.dataset.ready === '1'")


def refused(page, selector: str) -> str:
    """The message a refused request (a 400) shows; its console line is the only error."""
    page.wait_for_selector(f"{selector}:not([hidden])")
    assert page.console.errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    page.console.errors.clear()
    return page.locator(selector).inner_text()


def push(base: str, article: dict) -> str:
    response = httpx.post(base + "/api/articles", json=article, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["ids"][0]


def test_the_login_sets_an_httponly_cookie_and_logout_ends_it(site, page):
    page.goto(site + "/alerts/history")
    assert "/login?next=%2Falerts%2Fhistory" in page.url
    page.fill("#token", "wrong")
    page.click("form.login-form button[type=submit]")
    assert page.locator("#login-error").inner_text() == "wrong token"
    assert page.console.errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]  # the refused login's answer is a 401; nothing else went wrong
    page.console.errors.clear()
    screenshot(page, "login")
    page.fill("#token", TOKEN)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url("**/alerts/history")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "rasad_session"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert "rasad_session" not in page.evaluate("document.cookie")  # scripts cannot read it
    assert TOKEN not in page.content()  # the page never holds the token
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.click("form.logout button")
    page.wait_for_url("**/login")
    page.goto(site + "/alerts")
    assert "/login" in page.url
    assert page.console.errors == []


def test_create_test_edit_disable_snooze_and_delete_a_rule(site, page, hook):
    word = "zorb" + uuid.uuid4().hex[:6]
    push(
        site,
        {
            "title": f"Shelling near Aleppo, {word} report",
            "text": f"Artillery hit Aleppo in Syria; {word}.",
        },
    )
    log_in(page, site)
    form = page.locator("#rule-form")
    form.locator("input[name=name]").fill("aleppo-watch")
    form.locator("input[name=query]").fill(word)
    form.locator("textarea[name=webhooks]").fill(hook.url)
    form.locator("textarea[name=text]").fill("$title — $source")
    page.click("#test")
    page.wait_for_selector("#test-result:not([hidden]) .feed li a")
    assert page.locator("#test-result .summary").inner_text().startswith("aleppo-watch: 1 articles")
    form.locator("textarea[name=text]").fill("$headline")
    page.click("#save")
    assert "unknown field $headline" in refused(page, "#form-error")
    form.locator("textarea[name=text]").fill("$title — $source")
    page.click("#save")
    row = page.locator('#rules tr[data-rule="aleppo-watch"]')
    row.wait_for()
    assert "webhook signing secret" in page.locator("#status").inner_text()
    screenshot(page, "alerts")

    row.locator("[data-action=edit]").click()
    assert form.locator("input[name=name]").get_attribute("readonly") is not None
    form.locator("input[name=query]").fill(f"{word} OR Aleppo")
    form.locator("input[value=digest]").check()
    form.locator("input[name=digest_minutes]").fill("15")
    page.click("#save")
    page.wait_for_function(
        "document.querySelector('#rules tr[data-rule=\"aleppo-watch\"] code')"
        ".textContent.includes('OR Aleppo')"
    )
    assert "Digest every 15 min" in row.inner_text()
    row.locator("[data-action=test]").click()
    page.wait_for_selector("#test-result .summary:has-text('aleppo-watch')")

    row.locator("[data-action=disable]").click()
    page.wait_for_selector('#rules tr[data-rule="aleppo-watch"] .state-disabled')
    row.locator("[data-action=enable]").click()
    page.wait_for_selector('#rules tr[data-rule="aleppo-watch"] .state-enabled')
    row.locator("select.snooze-for").select_option("480")
    row.locator("[data-action=snooze]").click()
    page.wait_for_selector('#rules tr[data-rule="aleppo-watch"] .state-snoozed')
    stored = httpx.get(site + "/api/alerts/rules/aleppo-watch", headers=BEARER).json()
    assert stored["state"] == "snoozed" and stored["delivery"] == "digest"
    row.locator("[data-action=unsnooze]").click()
    page.wait_for_selector('#rules tr[data-rule="aleppo-watch"] .state-enabled')
    row.locator("[data-action=delete]").click()
    page.wait_for_selector('#rules tr[data-rule="aleppo-watch"]', state="detached")
    assert httpx.get(site + "/api/alerts/rules/aleppo-watch", headers=BEARER).status_code == 404
    assert page.console.errors == []


def test_a_matching_article_reaches_the_history_and_the_live_feeds(site, page, hook, browser):
    word = "qorv" + uuid.uuid4().hex[:6]
    made = httpx.post(
        site + "/api/alerts",
        json={"name": f"live-{word}", "query": word, "webhooks": [hook.url]},
        headers=BEARER,
    )
    assert made.status_code == 201
    log_in(page, site, "/alerts/history")
    page.evaluate("window.__sameDocument = true")
    overview = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    overview.goto(site + "/?range=15m")
    overview.wait_for_function("document.body.dataset.updated")
    page.wait_for_timeout(1000)  # the rule is loaded by the evaluator
    article_id = push(
        site,
        {
            "title": f"Ceasefire monitors report calm, {word}",
            "text": f"Monitors in Idlib, Syria reported calm on Tuesday; {word}.",
            "published_at": "2025-02-20T09:15:00+00:00",
        },
    )
    row = page.locator(f'#history tbody tr[data-rule="live-{word}"]')
    row.wait_for(timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True  # arrived by the feed, no reload
    steps = row.locator("ol.latency li").evaluate_all("items => items.map(i => i.dataset.step)")
    assert steps == ["published", "ingested", "tagged", "matched", "delivered"]
    assert (
        row.locator("ol.latency time").first.inner_text()
        == "2025-02-20 " + row.locator("ol.latency time").first.inner_text()[11:]
    )
    assert row.locator(".deliveries li[data-status=delivered] .target").inner_text() == hook.url
    assert row.locator(f'a[href="/articles/{article_id}"]').count() == 1
    overview.wait_for_selector(f"#panel-alerts li:has-text('live-{word}')", timeout=15_000)
    overview.context.close()
    # The history API has it too, for the page's range and rule.
    history = httpx.get(
        site + "/api/alerts/history", params={"rule": f"live-{word}", "range": "1h"}, headers=BEARER
    ).json()
    assert history["total"] == 1 and history["alerts"][0]["article_id"] == article_id
    page.goto(f"{site}/alerts/history?rule=live-{word}&range=1h")
    page.wait_for_function("document.body.dataset.ready === '1'")
    assert page.locator("#history tbody tr").count() == 1
    assert page.locator("#summary").inner_text() == "1 alerts"
    assert any(body.get("rule") == f"live-{word}" for body in hook.bodies())
    assert page.console.errors == []
    screenshot(page, "alert-history")


def test_hostile_rule_names_queries_and_articles_run_nothing(site, page):
    word = "xelp" + uuid.uuid4().hex[:6]
    log_in(page, site)
    form = page.locator("#rule-form")
    form.locator("input[name=name]").fill('<img src=x onerror="window.__pwned=1">')
    form.locator("input[name=query]").fill(word)
    page.click("#save")
    assert "bad rule name" in refused(page, "#form-error")
    form.locator("input[name=name]").fill(f"hostile-{word}")
    form.locator("input[name=query]").fill(f'"<script>window.__pwned=2</script>" OR {word}')
    form.locator("input[name=subject]").fill('<img src=x onerror="window.__pwned=3"> $title')
    page.click("#save")
    page.locator(f'#rules tr[data-rule="hostile-{word}"]').wait_for()
    page.wait_for_timeout(1000)  # the rule is loaded by the evaluator
    push(
        site,
        {
            "title": '<script>window.__pwned=4</script><img src=x onerror="window.__pwned=5"> '
            + word,
            "text": f'Raqqa, Syria. <img src=x onerror="window.__pwned=6"> {word}',
            "source": '<img src=x onerror="window.__pwned=7">Evil Wire',
            "url": "javascript:window.__pwned=8",
        },
    )
    page.locator(f'#recent tbody tr[data-rule="hostile-{word}"]').wait_for(timeout=10_000)
    for path in ("/alerts", f"/alerts/history?rule=hostile-{word}", "/?range=15m"):
        page.goto(site + path)
        if path.startswith("/alerts"):
            page.wait_for_function("document.body.dataset.ready === '1'")
            page.locator(f'tr[data-rule="hostile-{word}"]').first.wait_for()
        else:
            page.wait_for_selector(f"#panel-alerts li:has-text('hostile-{word}')", timeout=15_000)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("main img").count() == 0, path
        hrefs = page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], path
        assert page.console.errors == [], path
    page.goto(f"{site}/alerts/history?rule=hostile-{word}")
    page.wait_for_function("document.body.dataset.ready === '1'")
    assert "<script>" in page.locator("#history td.what a").first.inner_text()  # shown as text


def test_the_arabic_alerts_page_is_translated_and_mirrored(site, browser):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
    )
    page = context.new_page()
    console = Console(page)
    try:
        log_in(page, site)
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("h1").inner_text() == "التنبيهات"
        assert page.locator("#form-title").inner_text() == "قاعدة جديدة"
        assert page.locator("body").evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert console.errors == []
        screenshot(page, "alerts-ar")
    finally:
        context.close()
