"""Imports every command module so their commands register on the app."""
from rasad.cli import alerts, bench, produce, search, serving, settings_table, stack, tag  # noqa: F401
from rasad.cli import bench_alerts, bench_index, bench_produce, bench_tag, index  # noqa: F401
