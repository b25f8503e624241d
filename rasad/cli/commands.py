"""Imports every command module so their commands register on the app."""
from rasad.cli import alerts, bench, bench_alerts, produce, search, serving, settings_table, stack  # noqa: F401
