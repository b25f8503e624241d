"""Long-running commands: ``worker`` (Faust, real stack), ``serve``
(dashboard/API), ``demo`` (embedded).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer

import wiring
from cli.app import app, console
from producers.files import FileSource
from producers.publisher import Producer
from producers.sources import Item
from producers.state import State
from rasad import logs, metrics
from rasad.addresses import BusAddress
from rasad.errors import ConfigError
from rasad.settings import Settings, parse_roles
from rasad.store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "producers" / "samples"


@app.command()
def worker(
    ctx: typer.Context,
    role: Annotated[
        str,
        typer.Option(
            help="all, tagger (raw → tagged), indexer (tagged → store) or alerts, or several "
            "joined by commas [RASAD_WORKER_ROLE]."
        ),
    ] = "",
) -> None:
    """Run the Faust worker on the Kafka bus: tag articles.raw, index
    articles.tagged, evaluate alerts.
    """
    # Imported here: Faust and aiokafka are only needed by this command.
    from rasad.bus.kafka import ensure_topics
    from rasad.streaming import make_app, run_worker

    settings: Settings = ctx.obj
    if role:
        try:
            settings = settings.model_copy(update={"worker_role": parse_roles(role)})
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    faust_app, topics = make_app(settings)
    # Create the topics before Faust subscribes: a consumer that starts on a missing topic
    # ignores it until the next rebalance.
    ensure_topics(settings.bus.bootstrap, settings)
    wiring.register_worker(faust_app, topics, settings, wiring.lexicon())
    run_worker(faust_app, settings)


@app.command()
def serve(ctx: typer.Context) -> None:
    """Serve the dashboard, the JSON API and the push endpoint (POST /api/articles)
    on the configured store and bus.
    """
    settings: Settings = ctx.obj
    words = wiring.lexicon()
    pipeline = wiring.open_pipeline(settings, words)
    store = pipeline.store or wiring.open_store(settings, words)
    state = State(settings.data_dir / "producer-state.db", f"{settings.bus}|{settings.topic_raw}")
    try:
        _serve(settings, store, pipeline.bus, state)
    finally:
        pipeline.close()
        state.close()


@app.command()
def demo(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option(help="Seconds between replayed articles (0: all at once).")
    ] = 2.0,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo store.")] = True,
) -> None:
    """The embedded default: replay the sample corpus as a live stream and serve the dashboard."""
    settings: Settings = ctx.obj
    if settings.bus.scheme != "memory":
        settings = settings.model_copy(update={"bus": BusAddress("memory")})
    database = settings.store.path
    if fresh and database is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    pipeline = wiring.open_pipeline(settings, wiring.lexicon())
    assert pipeline.store is not None  # the memory bus always comes with its store
    # Oldest first, so the dashboard fills the way a newsroom's feed would.
    items = sorted(FileSource([SAMPLES]).items(), key=_published)
    state = State(None, "demo")  # the demo store starts empty: nothing counts as sent before

    def replay() -> None:
        producer = Producer(pipeline.bus, settings, state, batch=1)
        for item in items:
            producer.send([item])
            time.sleep(interval)

    threading.Thread(target=replay, name="demo-replay", daemon=True).start()
    console.print(f"replaying {len(items)} sample articles, one every {interval:g}s")
    _serve(settings, pipeline.store, pipeline.bus, state)


def _published(item: Item) -> float:
    article = item.article
    return article.published_at.timestamp() if article is not None and article.published_at else 0.0


def _serve(settings: Settings, store: Store, bus: wiring.Bus, state: State) -> None:
    # Imported here: the web server is only needed by the serving commands.
    import uvicorn

    web = wiring.web_app(settings, store, bus, wiring.lexicon(), state)
    metrics.watch_gc()
    console.print(
        f"dashboard on http://{settings.http_host}:{settings.http_port}  (Ctrl-C to stop)"
    )
    level = settings.log_level if settings.log_level != "info" else "warning"
    # Live pages hold a stream open: on Ctrl-C/SIGTERM they get 2 s, not an endless wait.
    uvicorn.run(
        web,
        host=settings.http_host,
        port=settings.http_port,
        log_level=level,
        log_config=logs.logging_config(settings.log_level, settings.log_format),
        timeout_graceful_shutdown=2,
    )
