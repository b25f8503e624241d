"""Chromium through Playwright, and ``rasad demo`` as a real server for the browser tests.

Debian's Chromium (``/usr/bin/chromium``) with the flags the suite always uses; ``Console``
gathers a page's console errors and uncaught exceptions (a page must load with none).
Screenshots go to ``artifacts/screenshots/`` (gitignored), kept after the run.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.network import free_port
from tests.helpers.paths import ROOT
from tests.helpers.processes import wait_for

SHOTS = ROOT / "artifacts" / "screenshots"
SEED_TITLE = 'بوتين يضرب داعش "منفردًا" إذا رفضت واشنطن اقتراحاته'
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``artifacts/screenshots/NAME.png``; its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class Console:
    """A page's console errors and uncaught exceptions, as they happen."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


@contextmanager
def demo_server(tmp_path: Path, **env_extra: str) -> Iterator[str]:
    """``rasad demo`` (all samples at once) on a free port; its base URL once the seed is listed."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update(
        {"RASAD_DATA_DIR": str(tmp_path / "data"), "RASAD_HTTP_PORT": str(port), **env_extra}
    )
    log_path = tmp_path / "demo.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "demo", "--interval", "0"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"

        def seed_listed() -> bool:
            if process.poll() is not None:
                raise AssertionError(log_path.read_text())
            try:
                page = httpx.get(base + "/search", params={"sort": "date", "size": 100}, timeout=5)
            except httpx.HTTPError:
                return False
            return SEED_TITLE in html.unescape(page.text)

        try:
            wait_for(seed_listed, timeout=90, message="the demo to list the seed")
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
