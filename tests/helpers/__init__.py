"""Shared test helpers: paths, ports and local servers, subprocess runners,
ASGI calls, the fixtures plugin.

Imported by the suites (``from tests.helpers.processes import rasad``); the fixtures live in
``tests.helpers.fixtures``, which the root ``conftest.py`` loads as a pytest plugin.
"""
