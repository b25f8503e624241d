"""On the real stack `rasad serve` is its own process beside the worker: the overview learns of
new articles from Kafka (its own watcher on articles.tagged), not from the store's refresh."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.helpers.browser import Console, launch, screenshot
from tests.helpers.paths import ROOT
from tests.helpers.processes import wait_for

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@pytest.fixture
def served(stack_env, worker, tmp_path):
    """A tagger+indexer worker and `rasad serve` on the test's topics and index."""
    worker_process = worker()
    base = f"http://127.0.0.1:{stack_env['RASAD_HTTP_PORT']}"
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve"],
            cwd=ROOT,
            env=stack_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def up() -> bool:
                worker_process.check()
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    return httpx.get(base + "/api/health", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for(up, timeout=90, message="rasad serve to answer")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def push(base: str, title: str) -> str:
    response = httpx.post(
        base + "/api/articles",
        json={"title": title, "text": f"{title}. Warplanes struck positions near Idlib in Syria."},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return response.json()["ids"][0]


def test_a_produced_article_reaches_the_overview_through_kafka(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console = Console(page)
            page.goto(served + "/?range=15m")
            page.wait_for_function("document.body.dataset.updated")

            def warmed() -> bool:  # the worker's first articles wait for its partitions
                article_id = push(served, f"Warm-up {uuid.uuid4().hex[:8]}")
                try:
                    page.wait_for_selector(
                        f'#panel-latest li[data-id="{article_id}"]', timeout=5000
                    )
                    return True
                except Exception:
                    return False

            wait_for(warmed, timeout=120, interval=0.1, message="the first article on the overview")
            before = int(page.locator("#panel-total .metric").get_attribute("data-value"))
            started = time.monotonic()
            article_id = push(served, f"Airstrikes near Idlib {uuid.uuid4().hex[:8]}")
            page.wait_for_selector(f'#panel-latest li[data-id="{article_id}"]', timeout=2000)
            page.wait_for_function(
                f"Number(document.querySelector('#panel-total .metric').dataset.value) > {before}",
                timeout=2000,
            )
            assert time.monotonic() - started < 2.0
            assert console.errors == []
            screenshot(page, "overview-stack")
        finally:
            browser.close()
