"""`rasad demo`: the embedded default serves a page listing the seed — checked over HTTP and in Chromium."""
from __future__ import annotations

import html
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import ROOT, free_port, wait_for

SEED_TITLE = 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update({"RASAD_DATA_DIR": str(tmp_path / "data"), "RASAD_HTTP_PORT": str(port)})
    log = open(tmp_path / "demo.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "rasad", "demo", "--interval", "0"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def seed_listed():
        if process.poll() is not None:
            raise AssertionError((tmp_path / "demo.log").read_text())
        try:
            return SEED_TITLE in html.unescape(httpx.get(base + "/", timeout=5).text)
        except httpx.HTTPError:
            return False

    wait_for(seed_listed, timeout=60, message="the demo page to list the seed")
    yield base
    process.terminate()
    process.wait(timeout=20)
    log.close()


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
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page()
            page.goto(demo + "/")
            assert SEED_TITLE in page.locator("article h2").all_inner_texts()
            page.fill("input[name=q]", "ISIS")
            page.click("button[type=submit]")
            page.wait_for_url("**/?q=ISIS*")
            first = page.locator("article").first
            assert first.get_attribute("dir") == "rtl"
            assert first.locator("mark").first.inner_text() == "داعش"  # cross-lingual match, highlighted
            page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
        finally:
            browser.close()
