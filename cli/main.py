"""Entry point of the ``rasad`` command: every command module
registers itself on ``cli.app.app``.
"""

from __future__ import annotations

from cli import (  # noqa: F401 - imported for their commands
    alert_rules,
    alerts,
    bench,
    dashboards,
    index,
    produce,
    search,
    serving,
    settings_table,
    stack,
    tag,
)
from cli.app import app


def run() -> None:
    """Console-script entry point (``rasad``, ``python -m cli``)."""
    app()
