"""``python -m cli`` runs the ``rasad`` command."""

from cli.main import run

run()
