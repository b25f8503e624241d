"""Imports every command module so their commands register on the app."""
from rasad.cli import bench, bench_produce, produce, search, serving, settings_table, stack  # noqa: F401
