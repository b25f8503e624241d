"""Build the runtime parts named by the settings: the store, the embedded pipeline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rasad import concepts
from rasad.bus import Bus, open_bus
from rasad.bus.memory import MemoryBus
from rasad.errors import ConfigError
from rasad.settings import Settings
from rasad.store import Store


def open_store(settings: Settings) -> Store:
    """The store named by ``settings.store``, schema set up."""
    scheme, _, rest = settings.store.partition("://")
    if scheme == "sqlite":
        from indexers.sqlite import SqliteStore

        store: Store = SqliteStore(Path(rest[1:] if rest.startswith("/") else rest))
    elif scheme == "opensearch":
        from indexers.opensearch import OpenSearchStore

        store = OpenSearchStore(rest.strip("/").split(","), alias=settings.index_alias,
                                retention_months=settings.index_retention_months)
    else:
        raise ConfigError(f"unknown store URL {settings.store!r}: use sqlite:///PATH or opensearch://HOST:PORT")
    store.setup()
    return store


@dataclass
class Pipeline:
    """What a command needs to push articles through: the bus and, when embedded, the store it fills."""

    bus: Bus
    store: Store | None

    def close(self) -> None:
        self.bus.close()
        if self.store is not None:
            self.store.close()


def open_pipeline(settings: Settings) -> Pipeline:
    """The bus; on ``memory://`` also the processing and indexing stages attached to it in-process."""
    bus = open_bus(settings)
    if not isinstance(bus, MemoryBus):
        return Pipeline(bus, None)
    from indexers.embedded import attach as attach_indexer
    from processors.embedded import attach as attach_tagger

    store = open_store(settings)
    attach_tagger(bus, settings, concepts.load())
    attach_indexer(bus, settings, store)
    from rasad.cli.alerts import attach_embedded  # the alert stage's wiring lives with its commands

    attach_embedded(bus, settings)
    return Pipeline(bus, store)
