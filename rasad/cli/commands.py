"""Imports every command module so their commands register on the app."""
from rasad.cli import bench, produce, search, serving, settings_table, stack  # noqa: F401
from rasad.cli import bench_index, bench_produce, index  # noqa: F401
