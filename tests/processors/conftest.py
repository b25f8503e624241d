"""Fixtures for the processing stage's unit tests: the project's lexicon, loaded once."""
from __future__ import annotations

import pytest

from rasad import concepts
from rasad.concepts import Lexicon


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return concepts.load()
