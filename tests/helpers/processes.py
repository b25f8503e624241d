"""Running Rasad as real processes (the CLI, the Faust worker) and waiting for what they do."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from rasad.settings import Settings
from tests.helpers.paths import ROOT

T = TypeVar("T")


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any ``RASAD_*`` variable (a developer's own
    settings), plus ``overrides``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASAD_")}
    env.update(overrides)
    return env


def settings_from(env: Mapping[str, str]) -> Settings:
    """The Settings a subprocess with this environment reads."""
    keys = {
        k[len("RASAD_") :].lower(): v
        for k, v in env.items()
        if k.startswith("RASAD_") and not k.startswith("RASAD_TEST")
    }
    return Settings(**keys)


def rasad(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    check: bool = False,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI in a subprocess (``python -m cli``) and capture its output."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=dict(env or os.environ),
        capture_output=True,
        timeout=timeout,
        input=input,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"rasad {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout.decode()}\n{result.stderr.decode()}"
        )
    return result


class Worker:
    """A ``rasad worker`` subprocess."""

    def __init__(self, env: Mapping[str, str], log: Path, *args: str):
        self.log = log
        self.web_port = int(env.get("RASAD_WORKER_WEB_PORT") or 0)
        self._file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", *args],
            cwd=ROOT,
            env=dict(env),
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check(self) -> None:
        """Fail the test with the worker's log if it has exited."""
        if self.process.poll() is not None:
            raise AssertionError(
                f"worker exited with {self.process.returncode}:\n{self.output()[-4000:]}"
            )

    def diagnosis(self) -> str:
        """For a failing test: the worker's consumer (``GET /consumer``) and its tasks' stacks
        (``GET /tasks``, also written beside its log), from the web port in its environment."""
        pages = {}
        for page in ("consumer", "tasks"):
            try:
                url = f"http://127.0.0.1:{self.web_port}/{page}"
                with urllib.request.urlopen(url, timeout=5) as answer:
                    pages[page] = answer.read().decode()
            except OSError as exc:
                pages[page] = f"(no answer: {exc})"
        (self.log.parent / f"{self.log.stem}-tasks.txt").write_text(pages["tasks"])
        return (
            f"consumer: {pages['consumer']}\ntasks (also beside the log):\n{pages['tasks'][-8000:]}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._file.close()


def wait_for(
    condition: Callable[[], T],
    timeout: float = 60,
    interval: float = 0.5,
    message: str = "condition",
) -> T:
    """Poll ``condition`` until it returns a truthy value.

    Fail with ``message`` after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
