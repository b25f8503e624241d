"""The engines every contract suite runs on, opened through the composition root's registry.

``ENGINES`` lists them as pytest params (the server-backed ones marked ``stack``);
``SERVER_ENGINES`` only those (OpenSearch and Elasticsearch, for what only they have: bulk
writer, lifecycle). ``engine_settings`` gives Settings pointing at a fresh, empty place in one
(a new SQLite file, a new alias and index prefix on the test stack's server), so each test or
module has its own.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from rasad.settings import Settings

SERVER_ENGINES = [
    pytest.param("opensearch", marks=pytest.mark.stack),
    pytest.param("elasticsearch", marks=pytest.mark.stack),
]
ENGINES = ["sqlite", *SERVER_ENGINES]
# The session fixture that starts each server engine (Elasticsearch only when a test needs it).
_FIXTURES = {"opensearch": "stack", "elasticsearch": "elasticsearch"}


def engine_url(kind: str, request: pytest.FixtureRequest) -> str:
    """``kind://127.0.0.1:PORT`` of the test stack's server engine, started if needed."""
    stack: Settings = request.getfixturevalue("stack_settings")
    request.getfixturevalue(_FIXTURES[kind])
    port = {"opensearch": stack.opensearch_port, "elasticsearch": stack.elasticsearch_port}[kind]
    return f"{kind}://127.0.0.1:{port}"


def engine_settings(kind: str, folder: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of a fresh, empty store of ``kind`` (server engines: on the test stack)."""
    if kind == "sqlite":
        return Settings(data_dir=folder, store=f"sqlite:///{folder / 'rasad.db'}")
    return Settings(
        data_dir=folder,
        store=engine_url(kind, request),
        index_alias="c" + uuid.uuid4().hex[:10],
    )
