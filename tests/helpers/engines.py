"""The engines every contract suite runs on, opened through the composition root's registry.

``ENGINES`` lists them as pytest params (the server-backed ones marked ``stack``); ``engine_settings``
gives Settings pointing at a fresh, empty place in one (a new SQLite file, a new alias and index
prefix on the test stack's OpenSearch), so each test or module has its own.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from rasad.settings import Settings

ENGINES = ["sqlite", pytest.param("opensearch", marks=pytest.mark.stack)]


def engine_settings(kind: str, folder: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of a fresh store of ``kind`` (server engines: on the test stack, started if needed)."""
    if kind == "sqlite":
        return Settings(data_dir=folder, store=f"sqlite:///{folder / 'rasad.db'}")
    stack: Settings = request.getfixturevalue("stack_settings")
    request.getfixturevalue("stack")
    port = {"opensearch": stack.opensearch_port}[kind]
    return Settings(
        data_dir=folder, store=f"{kind}://127.0.0.1:{port}", index_alias="c" + uuid.uuid4().hex[:10]
    )
