"""Long-running commands: ``worker`` (Faust, real stack), ``serve`` (dashboard/API), ``demo`` (embedded)."""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from rasad import concepts
from rasad.cli import app, console, fail
from rasad.cli.wiring import open_pipeline, open_store
from rasad.errors import RasadError
from rasad.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "producers" / "samples"


@app.command()
def worker(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="all, tagger (raw → tagged), indexer (tagged → store) or alerts, or several "
                                           "joined by commas [RASAD_WORKER_ROLE].")] = "",
) -> None:
    """Run the Faust worker on the Kafka bus: tag articles.raw, index articles.tagged."""
    import faust

    from indexers.agents import register as register_indexer
    from processors.agents import register as register_tagger
    from rasad.bus.kafka import ensure_topics
    from rasad.streaming import make_app

    settings: Settings = ctx.obj
    roles = set((role or settings.worker_role).split(","))
    if not roles <= {"all", "tagger", "indexer", "alerts"}:
        raise fail(RasadError(f"unknown role {role or settings.worker_role!r}: use all, tagger, indexer or alerts (or several: tagger,indexer)"))
    if "all" in roles:
        roles = {"tagger", "indexer", "alerts"}
    try:
        faust_app, topics = make_app(settings)
        # Create the topics before Faust subscribes: a consumer that starts on a missing topic
        # ignores it until the next rebalance.
        ensure_topics(settings.bus.removeprefix("kafka://").strip("/"), settings)
        if "tagger" in roles:
            register_tagger(faust_app, topics, concepts.load(), settings.stories_remembered)
        if "indexer" in roles:
            register_indexer(faust_app, topics, settings)
        if "alerts" in roles:
            from rasad.cli.alerts import register_worker

            register_worker(faust_app, topics, settings)
    except RasadError as exc:
        raise fail(exc) from exc
    # The lexicon, the gazetteer and the compiled rules live as long as the process: out of the
    # cyclic collector's sight, a full collection no longer walks them (a pause of ~50-100 ms).
    gc.freeze()
    faust.Worker(faust_app, loglevel=settings.log_level.upper(), quiet=True).execute_from_commandline()


@app.command()
def serve(ctx: typer.Context) -> None:
    """Serve the dashboard, the JSON API and the push endpoint (POST /api/articles) on the configured store and bus."""
    from producers.state import State

    settings: Settings = ctx.obj
    try:
        pipeline = open_pipeline(settings)
        store = pipeline.store or open_store(settings)
    except RasadError as exc:
        raise fail(exc) from exc
    state = State(settings.data_dir / "producer-state.db", f"{settings.bus}|{settings.topic_raw}")
    try:
        _serve(settings, store, _push_routes(settings, pipeline.bus, state))
    finally:
        pipeline.close()
        state.close()


@app.command()
def demo(
    ctx: typer.Context,
    interval: Annotated[float, typer.Option(help="Seconds between replayed articles (0: all at once).")] = 2.0,
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo store.")] = True,
) -> None:
    """The embedded default: replay the sample corpus as a live stream and serve the dashboard."""
    from producers.files import FileSource
    from producers.state import State

    settings: Settings = ctx.obj
    if not settings.bus.startswith("memory://"):
        settings = settings.model_copy(update={"bus": "memory://"})
    database = Path(settings.store.removeprefix("sqlite:///")) if settings.store.startswith("sqlite:") else None
    if fresh and database is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    try:
        pipeline = open_pipeline(settings)
    except RasadError as exc:
        raise fail(exc) from exc
    # Oldest first, so the dashboard fills the way a newsroom's feed would.
    items = sorted(FileSource([SAMPLES]).items(), key=lambda item: _published(item))
    state = State(None, "demo")  # the demo store starts empty: nothing counts as sent before
    routes = _push_routes(settings, pipeline.bus, state)

    def replay() -> None:
        from producers.delivery import Producer

        producer = Producer(pipeline.bus, settings, state, batch=1)
        for item in items:
            producer.send([item])
            time.sleep(interval)

    threading.Thread(target=replay, name="demo-replay", daemon=True).start()
    console.print(f"replaying {len(items)} sample articles, one every {interval:g}s")
    _serve(settings, pipeline.store, routes)


def _published(item) -> float:
    article = item.article
    return article.published_at.timestamp() if article is not None and article.published_at else 0.0


def _push_routes(settings: Settings, bus, state) -> list:
    from producers.delivery import Producer
    from producers.http import push_routes

    return push_routes(Producer(bus, settings, state, batch=settings.producer_batch), settings.producer_max_bytes)


def _serve(settings: Settings, store, routes: list | None = None) -> None:
    import uvicorn

    from dashboards.app import create_app

    console.print(f"dashboard on http://{settings.http_host}:{settings.http_port}  (Ctrl-C to stop)")
    from rasad.cli.alerts import api_routes

    extra = [*(routes or []), *api_routes(settings)]
    uvicorn.run(create_app(store, concepts.load(), extra_routes=extra), host=settings.http_host, port=settings.http_port,
                log_level=settings.log_level.lower() if settings.log_level.lower() != "info" else "warning")
