"""The ``rasad`` command run in this process (typer's CliRunner): no
interpreter start, no lexicon reload.

``invoke`` answers like ``tests.helpers.processes.rasad`` (a ``CompletedProcess`` with bytes),
so a test can use either; the subprocess is for what needs a process of its own (a server, a
worker, the console-script entry point itself).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

from typer.testing import CliRunner

from cli.main import app


def invoke(
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = False,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``rasad ARGS`` in-process with exactly these ``RASAD_*`` variables (others unset)."""
    runner = CliRunner()
    scrubbed: dict[str, str | None] = dict.fromkeys(_rasad_variables())
    scrubbed.update({k: v for k, v in (env or {}).items() if k.startswith("RASAD_")})
    result = runner.invoke(app, list(args), env=scrubbed, input=input, catch_exceptions=False)
    done = subprocess.CompletedProcess(
        ["rasad", *args], result.exit_code, result.stdout_bytes, result.stderr_bytes
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"rasad {' '.join(args)} failed ({done.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return done


def _rasad_variables() -> list[str]:
    return [k for k in os.environ if k.startswith("RASAD_")]
