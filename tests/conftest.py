"""Shared fixtures: the real local stack (started once per session), isolated names per test,
and helpers to run the CLI and the Faust worker as real subprocesses."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from rasad.settings import Settings
from rasad.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "producers" / "samples" / "000_871264557d0cf901.txt"
# Tests run their own stack on their own ports so a developer's `rasad stack up` is left alone.
PORT_BASE = int(os.environ.get("RASAD_TEST_PORT_BASE", "19000"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory) -> Settings:
    """Settings of the test stack (data under .rasad-test/, ports from RASAD_TEST_PORT_BASE)."""
    return Settings(
        data_dir=ROOT / ".rasad-test" / str(PORT_BASE),
        kafka_port=PORT_BASE + 92, kafka_controller_port=PORT_BASE + 93,
        opensearch_port=PORT_BASE + 200, opensearch_transport_port=PORT_BASE + 300,
        kafka_heap="384m", opensearch_heap="768m",
    )


@pytest.fixture(scope="session")
def stack(stack_settings: Settings):
    """The real Kafka + OpenSearch, started by the project; stopped at the end unless RASAD_TEST_KEEP_STACK=1."""
    local = Stack(stack_settings)
    local.up()
    yield local
    if os.environ.get("RASAD_TEST_KEEP_STACK") != "1":
        local.down()


@pytest.fixture
def stack_env(stack, stack_settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Environment for CLI/worker subprocesses on the real stack, with topics and index unique to the test."""
    tag = "t" + uuid.uuid4().hex[:10]
    env = {
        **os.environ,
        "RASAD_BUS": f"kafka://127.0.0.1:{stack_settings.kafka_port}",
        "RASAD_STORE": f"opensearch://127.0.0.1:{stack_settings.opensearch_port}",
        "RASAD_DATA_DIR": str(tmp_path / "data"),
        "RASAD_TOPIC_RAW": f"{tag}.raw", "RASAD_TOPIC_TAGGED": f"{tag}.tagged",
        "RASAD_TOPIC_DLQ": f"{tag}.dlq", "RASAD_TOPIC_ALERTS": f"{tag}.alerts",
        "RASAD_INDEX_ALIAS": tag, "RASAD_WORKER_ID": tag,
        "RASAD_WORKER_WEB_PORT": str(free_port()), "RASAD_HTTP_PORT": str(free_port()),
        "RASAD_TOPIC_PARTITIONS": "2",
    }
    return env


def settings_from(env: dict[str, str]) -> Settings:
    """The Settings a subprocess with this environment reads."""
    keys = {k[len("RASAD_"):].lower(): v for k, v in env.items() if k.startswith("RASAD_") and not k.startswith("RASAD_TEST")}
    return Settings(**keys)


def rasad(*args: str, env: dict[str, str] | None = None, timeout: float = 120, check: bool = False,
          input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess (``python -m rasad``) and capture its output."""
    result = subprocess.run([sys.executable, "-m", "rasad", *args], cwd=ROOT, env=env or dict(os.environ),
                            capture_output=True, timeout=timeout, input=input)
    if check and result.returncode != 0:
        raise AssertionError(f"rasad {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout.decode()}\n{result.stderr.decode()}")
    return result


class Worker:
    """A ``rasad worker`` subprocess."""

    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.log = log
        self._file = open(log, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "rasad", "worker", *args], cwd=ROOT, env=env,
                                        stdout=self._file, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check(self) -> None:
        """Fail the test with the worker's log if it has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._file.close()


@pytest.fixture
def worker(stack_env: dict[str, str], tmp_path: Path):
    """Start a Faust worker on the test's topics; stopped when the test ends."""
    started: list[Worker] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Worker:
        w = Worker(env or stack_env, tmp_path / f"worker{len(started)}.log", *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def wait_for(condition, timeout: float = 60, interval: float = 0.5, message: str = "condition"):
    """Poll ``condition`` until it returns a truthy value; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
