"""``rasad bench …``: benchmarks that print a table (speed and memory goals are checked here, not in tests).

Each benchmark lives in its own module and registers a command on ``bench_app``.
"""
from __future__ import annotations

import typer

from rasad.cli import app

bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks: each prints a table of what it measured.")
app.add_typer(bench_app, name="bench")
