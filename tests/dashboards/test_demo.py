"""`rasad demo`: the embedded default serves a page listing the seed — checked over HTTP and in Chromium."""

from __future__ import annotations

import html
import os
import subprocess
import sys

import httpx
import pytest

from tests.helpers.network import free_port
from tests.helpers.paths import ROOT
from tests.helpers.processes import wait_for

SEED_TITLE = 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'


def start_demo(tmp_path, **env_extra):
    """Run `rasad demo` (all samples at once) on a free port; return (base URL, process, log file)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update(
        {"RASAD_DATA_DIR": str(tmp_path / "data"), "RASAD_HTTP_PORT": str(port), **env_extra}
    )
    log = open(tmp_path / "demo.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo", "--interval", "0"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def seed_listed():
        if process.poll() is not None:
            raise AssertionError((tmp_path / "demo.log").read_text())
        try:
            return SEED_TITLE in html.unescape(httpx.get(base + "/", timeout=5).text)
        except httpx.HTTPError:
            return False

    wait_for(seed_listed, timeout=60, message="the demo page to list the seed")
    return base, process, log


def stop_demo(process, log) -> None:
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture
def demo(tmp_path):
    base, process, log = start_demo(tmp_path)
    yield base
    stop_demo(process, log)


def launch(p):
    return p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    )


def test_demo_serves_the_seed_and_searches_it(demo):
    health = httpx.get(demo + "/api/health").json()
    assert health["status"] == "ok" and health["articles"] >= 1
    found = httpx.get(demo + "/api/search", params={"q": "وداعش"}).json()
    seed = [hit for hit in found["hits"] if hit["title"] == SEED_TITLE]
    assert seed
    assert httpx.get(demo + "/api/search", params={"q": "bad:filter"}).status_code == 400
    article = httpx.get(demo + f"/api/articles/{seed[0]['id']}").json()
    assert {t["id"] for t in article["tags"]} >= {"Q2429253", "SY", "Q7747"}


@pytest.mark.browser
def test_demo_page_in_chromium(demo, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto(demo + "/")
            assert SEED_TITLE in page.locator("article h2").all_inner_texts()
            page.fill("input[name=q]", "ISIS")
            page.click("button[type=submit]")
            page.wait_for_url("**/?q=ISIS*")
            first = page.locator("article").first
            assert first.get_attribute("dir") == "rtl"
            assert (
                first.locator("mark").first.inner_text() == "داعش"
            )  # cross-lingual match, highlighted
            page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.browser
def test_alerts_appear_live_on_the_dashboard(tmp_path):
    """A rule added through the API fires on a pushed article; the page shows it, as text, without reloading."""
    from playwright.sync_api import sync_playwright

    token = "s3cret-token"
    base, process, log = start_demo(tmp_path, RASAD_ALERTS_TOKEN=token)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        created = httpx.post(
            base + "/api/alerts", json={"name": "raqqa-watch", "query": "Raqqa"}, headers=auth
        )
        assert created.status_code == 201, created.text
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page()
                page.goto(base + "/")
                page.evaluate(f"localStorage.setItem('rasadAlertsToken', '{token}')")
                page.reload()
                page.wait_for_function(
                    "document.getElementById('alerts-state').textContent === 'live'"
                )

                def alert_shown(attempt=[0]):
                    attempt[0] += (
                        1  # a new story each time, until the rule (reloaded in the background) fires
                    )
                    title = f"<b>Strikes</b> near الرقة, report {attempt[0]}"
                    pushed = httpx.post(
                        base + "/api/articles",
                        json={
                            "title": title,
                            "text": f"Warplanes hit positions near لالرقة and Raqqa, Syria. Report {attempt[0]}.",
                        },
                    )
                    assert pushed.status_code == 202, pushed.text
                    page.wait_for_timeout(1500)
                    return page.locator("#alerts-list .alert-item").count() > 0

                wait_for(alert_shown, timeout=60, interval=0.1, message="an alert on the dashboard")
                item = page.locator("#alerts-list .alert-item").first
                assert item.locator("strong").inner_text() == "raqqa-watch"
                assert (
                    "<b>Strikes</b> near الرقة" in item.locator("a").inner_text()
                )  # shown as text, not markup
                assert item.locator("b").count() == 0
            finally:
                browser.close()
    finally:
        stop_demo(process, log)
