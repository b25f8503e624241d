"""The one place that turns ``Settings`` into running parts: the adapter registry and the wiring.

Everything pluggable is chosen here by URL scheme (``settings.bus.scheme``,
``settings.store.scheme``) and nowhere else. An adapter is named ``"module:Class"`` and imported
only when its scheme is used: the engines' client libraries (opensearch-py, elasticsearch-py,
kafka-python, Faust) take a second or more to import, which every short command (``rasad
search``, ``rasad alerts list``) would pay for engines it does not use. Each adapter class builds itself from the
settings (``from_settings``) and honours its contract (``rasad.bus.Bus``, ``rasad.store.Store``,
``alerts.rulestores.RuleStore``, ``indexers.sink.Sink``); the contract tests run on every one.

Adding a search engine means: its adapter modules, one line in ``ENGINES``, and the contract
suites parametrized over it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rasad import concepts
from rasad.bus import Bus
from rasad.concepts import Lexicon
from rasad.errors import ConfigError
from rasad.settings import Settings
from rasad.store import Store

if TYPE_CHECKING:  # the stages' classes, for types only (imported for real when chosen)
    import faust
    from starlette.applications import Starlette

    from alerts.rulestores import RuleStore
    from indexers.sink import Sink
    from rasad.streaming import Topics


@dataclass(frozen=True)
class Engine:
    """The adapters of one search engine: articles, alert rules and alert log, the indexer's sink."""

    store: str
    rules: str
    sink: str


BUSES: dict[str, str] = {
    "memory": "rasad.bus.memory:MemoryBus",
    "kafka": "rasad.bus.kafka:KafkaBus",
}
ENGINES: dict[str, Engine] = {
    "sqlite": Engine(
        "indexers.sqlite:SqliteStore",
        "alerts.rulestores.sqlite:SqliteRuleStore",
        "indexers.sink:StoreSink",
    ),
    "opensearch": Engine(
        "indexers.opensearch:OpenSearchStore",
        "alerts.rulestores.opensearch:OpenSearchRuleStore",
        "indexers.opensearch:OpenSearchSink",
    ),
    "elasticsearch": Engine(
        "indexers.elasticsearch:ElasticsearchStore",
        "alerts.rulestores.elasticsearch:ElasticsearchRuleStore",
        "indexers.elasticsearch:ElasticsearchSink",
    ),
}


def _adapter(name: str) -> Any:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _engine(settings: Settings) -> Engine:
    engine = ENGINES.get(settings.store.scheme)
    if engine is None:  # a scheme Settings accepts but no adapter serves (yet)
        raise ConfigError(
            f"no adapter for {settings.store.scheme}:// stores; use one of {', '.join(ENGINES)}"
        )
    return engine


def lexicon() -> Lexicon:
    """The taxonomy and gazetteer, built once per process (and cached on disk)."""
    return concepts.load()


def open_bus(settings: Settings) -> Bus:
    """The bus named by ``RASAD_BUS``."""
    bus: Bus = _adapter(BUSES[settings.bus.scheme]).from_settings(settings)
    return bus


def open_store(settings: Settings, words: Lexicon, *, setup: bool = False) -> Store:
    """The search store named by ``RASAD_STORE``; ``setup``: create or migrate its schema first (writers only)."""
    store: Store = _adapter(_engine(settings).store).from_settings(settings, words.stemmer)
    if setup:
        store.setup()
    return store


def open_rules(settings: Settings) -> RuleStore:
    """The alert rule store beside the search store (schema set up: rules are written by any command)."""
    rules: RuleStore = _adapter(_engine(settings).rules).from_settings(settings)
    rules.setup()
    return rules


def open_sink(settings: Settings, words: Lexicon) -> Sink:
    """Where the indexer agent writes batches (started by the agent: it waits out an outage)."""
    sink: Sink = _adapter(_engine(settings).sink).from_settings(settings, words.stemmer)
    return sink


@dataclass
class Pipeline:
    """What a command pushes articles into: the bus and, when embedded, the store it fills."""

    bus: Bus
    store: Store | None

    def close(self) -> None:
        self.bus.close()
        if self.store is not None:
            self.store.close()


def open_pipeline(settings: Settings, words: Lexicon) -> Pipeline:
    """The bus; on ``memory://`` also the tagger, indexer and alert stages attached to it in-process."""
    bus = open_bus(settings)
    if settings.bus.scheme != "memory":
        return Pipeline(bus, None)
    from alerts.destinations.dispatcher import Dispatcher
    from alerts.embedded import attach as attach_alerts
    from alerts.evaluator import Evaluator
    from indexers.embedded import attach as attach_indexer
    from processors.embedded import attach as attach_tagger
    from rasad.bus.memory import MemoryBus

    assert isinstance(bus, MemoryBus)
    store = open_store(settings, words, setup=True)
    attach_tagger(bus, settings, words)
    attach_indexer(bus, settings, store)
    rules = open_rules(settings)
    evaluator = Evaluator(rules, words, reload_interval=settings.alerts_reload_interval)
    attach_alerts(bus, settings, evaluator, Dispatcher(settings, rules))
    return Pipeline(bus, store)


def register_worker(app: faust.App, topics: Topics, settings: Settings, words: Lexicon) -> None:
    """Register the agents of ``RASAD_WORKER_ROLE`` on the Faust app."""
    if "tagger" in settings.worker_role:
        from processors.agents import register as register_tagger

        register_tagger(
            app, topics, words, settings.stories_remembered, settings.stories_horizon_hours
        )
    if "indexer" in settings.worker_role:
        from indexers.agents import register as register_indexer

        register_indexer(app, topics, settings, open_sink(settings, words))
    if "alerts" in settings.worker_role:
        from alerts.agents import register as register_alerts
        from alerts.destinations.dispatcher import Dispatcher
        from alerts.evaluator import Evaluator

        rules = open_rules(settings)
        register_alerts(
            app,
            topics,
            Evaluator(rules, words),
            Dispatcher(settings, rules),
            reload_interval=settings.alerts_reload_interval,
        )


def web_app(
    settings: Settings, store: Store, bus: Bus, words: Lexicon, producer_state: Any
) -> Starlette:
    """The dashboard and API on ``store``, with the push endpoint onto ``bus`` and the alerts API."""
    from alerts.api import routes as alert_routes
    from dashboards import definition
    from dashboards.app import create_app
    from dashboards.live import Live
    from indexers.sqlite import SqliteStore
    from producers.publisher import Producer
    from producers.push import push_routes

    producer = Producer(bus, settings, producer_state, batch=settings.producer_batch)
    rules = open_rules(settings)
    routes = [
        *push_routes(producer, settings.producer_max_bytes),
        *alert_routes(rules, words, settings.alerts_token.get_secret_value()),
    ]
    # Live views count what the bus carries before the store shows it: kept in memory.
    live = Live(lambda: SqliteStore(Path(":memory:"), words.stemmer))
    bus.watch(settings.topic_tagged, live.on_message)
    return create_app(
        store,
        words,
        extra_routes=routes,
        boards=definition.load(settings.dashboards_dir, words),
        live=live,
        alerts_log=lambda limit: [alert.payload() for alert in rules.alerts(None, limit)],
    )
