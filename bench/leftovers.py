"""A benchmark run's own names on the stack, and what it leaves there removed: its Kafka topics
and its indices.

Every run works under a fresh tag (``named_after``: topics ``TAG.raw`` …, the workers'
internal ``TAG-…`` topics, indices ``TAG-…``). Left behind, they pile up: after a dozen runs the
broker carried ~230 topics and the engine ~90 indices, each partition and shard some idle work
and memory on the machine the next runs measure on.
"""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient

from bench.processes import free_port
from rasad.settings import Settings

log = logging.getLogger(__name__)


def named_after(settings: Settings, tag: str) -> Settings:
    """``settings`` with the run's own topics, index alias and worker group, named after ``tag``
    (what ``drop_run`` removes), and a free port for a worker's web server."""
    return settings.model_copy(
        update={
            **{f"topic_{t}": f"{tag}.{t}" for t in ("raw", "tagged", "dlq", "alerts")},
            "index_alias": tag,
            "worker_id": tag,
            "worker_web_port": free_port(),
        }
    )


def drop_run(settings: Settings, tag: str, engine=None) -> None:
    """Delete the topics named after ``tag`` and, given the run's search ``engine``, its indices.

    Best effort: a benchmark's figures do not depend on it, so a failure is logged, not raised.
    """
    try:
        admin = KafkaAdminClient(**settings.bus.kafka_options(), client_id="rasad-bench")
        try:
            mine = [
                t for t in admin.list_topics() if t == tag or t.startswith((f"{tag}.", f"{tag}-"))
            ]
            if mine:
                admin.delete_topics(mine, timeout_ms=30_000)
        finally:
            admin.close()
        if engine is not None:
            engine.delete_indices(engine.indices(f"{tag}*"))
    except Exception as exc:  # cleanup only: the run's figures stand
        log.warning("could not remove what bench run %s left: %s", tag, exc)
