"""The suite's fixtures, loaded as a pytest plugin by the root ``conftest.py``.

The real local stack (Kafka + OpenSearch, started once per session by the project's own
``devstack``; Elasticsearch beside them when a test first needs it), settings and names unique
to each test on it, Faust workers as subprocesses,
the project's lexicon, and empty stores for unit tests.
"""

from __future__ import annotations

import gc
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from alerts.rulestores.sqlite import SqliteRuleStore
from devstack import Stack
from devstack.servers import Server
from rasad import concepts, metrics
from rasad.concepts import Lexicon
from rasad.normalize import Stemmer
from rasad.settings import Settings
from tests.helpers.network import LocalServer, free_port
from tests.helpers.paths import ROOT
from tests.helpers.processes import Worker

# Tests run their own stack on their own ports so a developer's `rasad stack up` is left alone.
PORT_BASE = int(os.environ.get("RASAD_TEST_PORT_BASE", "19000"))


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The project's taxonomy and gazetteer (built once, cached on disk)."""
    return concepts.load()


@pytest.fixture(scope="session")
def stemmer(lexicon: Lexicon) -> Stemmer:
    """The stemmer documents and queries are normalized with."""
    return lexicon.stemmer


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    """Settings of the test stack (data under .rasad-test/, ports from RASAD_TEST_PORT_BASE)."""
    return Settings(
        data_dir=ROOT / ".rasad-test" / str(PORT_BASE),
        kafka_port=PORT_BASE + 92,
        kafka_controller_port=PORT_BASE + 93,
        opensearch_port=PORT_BASE + 200,
        opensearch_transport_port=PORT_BASE + 300,
        elasticsearch_port=PORT_BASE + 400,
        elasticsearch_transport_port=PORT_BASE + 500,
        kafka_heap="384m",
        opensearch_heap="768m",
        elasticsearch_heap="512m",
    )


@pytest.fixture(scope="session")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    """The real Kafka + OpenSearch, started by the project.

    Stopped at the end unless RASAD_TEST_KEEP_STACK=1.
    """
    local = Stack(stack_settings)
    local.up()
    _clear_earlier_sessions(stack_settings.opensearch_port)
    yield local
    if os.environ.get("RASAD_TEST_KEEP_STACK") != "1":
        local.down()


def _clear_earlier_sessions(port: int) -> None:
    """Delete the indices earlier sessions left on the test stack's OpenSearch.

    The stack's data outlives a run (``.rasad-test/<base>``) and every test makes its own
    indices; after some twenty runs the node refuses new ones (1,000 shards at most). Nothing
    else uses this node, and no test reads another session's indices.
    """
    base = f"http://127.0.0.1:{port}"
    try:
        listed = httpx.get(f"{base}/_cat/indices", params={"format": "json", "h": "index"})
        names = [row["index"] for row in listed.raise_for_status().json()]
        names = [name for name in names if not name.startswith(".")]
        for start in range(0, len(names), 50):
            chunk = ",".join(names[start : start + 50])
            httpx.delete(f"{base}/{chunk}", timeout=60).raise_for_status()
    except httpx.HTTPError as exc:  # the suite still runs; its tests may then meet the limit
        logging.getLogger(__name__).warning("indices of earlier sessions not deleted: %s", exc)


@pytest.fixture(scope="session")
def elasticsearch(stack: Stack) -> Server:
    """The real Elasticsearch node beside the stack's Kafka + OpenSearch, started on first use.

    It starts in about 3 s, so only sessions with a test that needs it pay for it; the stack's
    ``down`` at the end stops it too.
    """
    Stack(stack.settings, engines=("elasticsearch",)).up()
    return stack.server("elasticsearch")


@pytest.fixture
def stack_env(stack: Stack, stack_settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Environment for CLI/worker subprocesses on the real stack, with
    topics and index unique to the test.
    """
    tag = "t" + uuid.uuid4().hex[:10]
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("RASAD_") or k.startswith("RASAD_TEST")
        },
        "RASAD_BUS": f"kafka://127.0.0.1:{stack_settings.kafka_port}",
        "RASAD_STORE": f"opensearch://127.0.0.1:{stack_settings.opensearch_port}",
        "RASAD_DATA_DIR": str(tmp_path / "data"),
        "RASAD_TOPIC_RAW": f"{tag}.raw",
        "RASAD_TOPIC_TAGGED": f"{tag}.tagged",
        "RASAD_TOPIC_DLQ": f"{tag}.dlq",
        "RASAD_TOPIC_ALERTS": f"{tag}.alerts",
        "RASAD_INDEX_ALIAS": tag,
        "RASAD_WORKER_ID": tag,
        "RASAD_WORKER_WEB_PORT": str(free_port()),
        "RASAD_HTTP_PORT": str(free_port()),
        "RASAD_TOPIC_PARTITIONS": "2",
    }


@pytest.fixture
def worker(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start Faust workers on the test's topics (``worker(*args, env=...)``).

    Stopped when the test ends.
    """
    started: list[Worker] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Worker:
        w = Worker(env or stack_env, tmp_path / f"worker{len(started)}.log", *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture
def rule_store(tmp_path: Path) -> Iterator[SqliteRuleStore]:
    """An empty SQLite rule store (the embedded default's)."""
    store = SqliteRuleStore(tmp_path / "alerts.db")
    store.setup()
    yield store
    store.close()


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 whose routes each test sets."""
    server = LocalServer()
    yield server
    server.close()


@pytest.fixture
def gc_watched() -> Iterator[None]:
    """This process's garbage collections timed (``metrics.watch_gc``) for one test only."""
    before = list(gc.callbacks)
    metrics.watch_gc()
    yield
    gc.callbacks[:] = before
