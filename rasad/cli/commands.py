"""Imports every command module so their commands register on the app."""
from rasad.cli import bench, bench_tag, produce, search, serving, settings_table, stack, tag  # noqa: F401
