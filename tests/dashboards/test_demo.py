"""`rasad demo`: the embedded default serves the samples — checked over HTTP and in Chromium."""

from __future__ import annotations

import itertools

import httpx
import pytest

from tests.helpers.browser import SEED_TITLE, Console, demo_server, launch
from tests.helpers.processes import wait_for


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("demo")) as base:
        yield base


def test_demo_serves_the_seed_and_searches_it(demo):
    health = httpx.get(demo + "/api/health").json()
    assert health["status"] == "ok" and health["articles"] >= 1
    found = httpx.get(demo + "/api/search", params={"q": "وداعش"}).json()
    seed = [hit for hit in found["hits"] if hit["title"] == SEED_TITLE]
    assert seed
    assert httpx.get(demo + "/api/search", params={"q": "bad:filter"}).status_code == 400
    article = httpx.get(demo + f"/api/articles/{seed[0]['id']}").json()
    assert {t["id"] for t in article["tags"]} >= {"Q2429253", "SY", "Q7747"}


def test_the_landing_page_is_the_live_overview(demo):
    page = httpx.get(demo + "/")
    assert page.status_code == 200
    assert 'id="panel-rate"' in page.text and 'id="panel-map"' in page.text

    def in_the_last_hour() -> int:
        url = demo + "/api/dashboards/geopolitical/data"
        data = httpx.get(url, params={"range": "1h"}).json()
        return data["panels"]["total"]["value"]

    # The demo goes on replaying its samples after the seed is listed: every one arrives, in
    # the last hour's count.
    wait_for(lambda: in_the_last_hour() >= 100, timeout=60, message="100 samples in the last hour")


@pytest.mark.browser
def test_search_page_in_chromium(demo):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            console = Console(page)
            page.goto(demo + "/search?sort=date&size=100")
            assert SEED_TITLE in page.locator("article h3").all_inner_texts()
            page.fill("input[name=q]", "ISIS")
            page.click("button[type=submit]")
            page.wait_for_url("**/search?q=ISIS*")
            first = page.locator("article.card").first
            assert first.get_attribute("dir") == "rtl"
            assert first.locator("mark").first.inner_text() == "داعش"  # cross-lingual, highlighted
            assert console.errors == []
        finally:
            browser.close()


@pytest.mark.browser
def test_alerts_appear_live_on_the_overview(tmp_path):
    """A rule added by the API fires on a pushed article; the overview's feed shows it, as text."""
    from playwright.sync_api import sync_playwright

    token = "s3cret-token"
    with demo_server(tmp_path, RASAD_ALERTS_TOKEN=token) as base:
        created = httpx.post(
            base + "/api/alerts",
            json={"name": "raqqa-watch", "query": "Raqqa"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page()
                page.goto(base + "/")
                page.wait_for_selector("#panel-latest ol.feed li")

                attempts = itertools.count(1)

                def alert_shown():
                    # A new story each time, until the rule (reloaded in the background) fires.
                    attempt = next(attempts)
                    pushed = httpx.post(
                        base + "/api/articles",
                        json={
                            "title": f"<b>Strikes</b> near الرقة, report {attempt}",
                            "text": f"Warplanes hit positions near لالرقة and Raqqa, Syria. "
                            f"Report {attempt}.",
                        },
                    )
                    assert pushed.status_code == 202, pushed.text
                    page.wait_for_timeout(1500)
                    return page.locator("#panel-alerts .alert-item").count() > 0

                wait_for(alert_shown, timeout=60, interval=0.1, message="an alert on the overview")
                item = page.locator("#panel-alerts .alert-item").first
                assert item.locator("strong").inner_text() == "raqqa-watch"
                assert (
                    "<b>Strikes</b> near الرقة" in item.locator("a").inner_text()
                )  # text, not markup
                assert item.locator("b").count() == 0
            finally:
                browser.close()
