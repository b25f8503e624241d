"""The suite's fixtures come from one plugin; helpers are imported from ``tests.helpers``."""

pytest_plugins = ["tests.helpers.fixtures"]
