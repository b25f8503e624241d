"""Imports every command module so their commands register on the app."""
from rasad.cli import bench, produce, search, serving, settings_table, stack  # noqa: F401
from rasad.cli import bench_index, index  # noqa: F401,E402 - issue 5: rasad index maintain, bench index
