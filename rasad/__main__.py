"""``python -m rasad`` runs the CLI."""
from rasad.cli import run

run()
