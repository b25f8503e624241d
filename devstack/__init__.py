"""The local stack: Apache Kafka (KRaft) and a search engine, started from Maven Central artifacts.

The engines are OpenSearch (the default) and Elasticsearch, one or both (``RASAD_STACK_ENGINES``
or ``rasad stack up --engine``). ``up`` resolves the jars once (cached under the data dir,
offline afterwards), starts the servers in the background and returns when Kafka answers a
metadata call and each engine's cluster health is yellow or green. ``up`` on a running stack is
a no-op; ``down`` stops every server of the stack, whichever engines it was started with.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from devstack.elasticsearch import ElasticsearchServer
from devstack.servers import KafkaServer, OpenSearchServer, Server
from rasad.errors import StackError
from rasad.settings import EngineName, Settings


@dataclass
class ServerStatus:
    name: str
    pid: int | None
    ready: bool
    port: int
    rss_mb: float | None
    log: str


class Stack:
    """Kafka and the search engines of the local stack."""

    def __init__(self, settings: Settings, engines: Sequence[EngineName] = ()):
        """``engines``: the ones ``up`` starts (default: ``settings.stack_engines``)."""
        self.settings = settings
        root = settings.stack_dir
        kafka = KafkaServer("kafka", root / "kafka", settings.kafka_port, settings)
        self.known: dict[str, Server] = {
            "kafka": kafka,
            "opensearch": OpenSearchServer(
                "opensearch", root / "opensearch", settings.opensearch_port, settings
            ),
            "elasticsearch": ElasticsearchServer(
                "elasticsearch", root / "elasticsearch", settings.elasticsearch_port, settings
            ),
        }
        # What `up` starts and waits for, in this order.
        self.servers: list[Server] = [
            kafka,
            *(self.known[name] for name in engines or settings.stack_engines),
        ]

    def server(self, name: str) -> Server:
        """The server called ``name`` (kafka, opensearch, elasticsearch), running or not."""
        return self.known[name]

    def up(self) -> list[str]:
        """Start what is not running; wait until all are ready. Returns the names started."""
        started = []
        for server in self.servers:
            if server.pid() is None:
                if server.ready():
                    raise StackError(
                        f"port {server.port} already answers as {server.name} "
                        "but not one this stack started: stop it or change the port setting"
                    )
                server.start()
                started.append(server.name)
        self._wait_ready()
        return started

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.stack_start_timeout
        pending = list(self.servers)
        while pending:
            for server in list(pending):
                if server.pid() is None:
                    raise StackError(
                        f"{server.name} exited while starting; log "
                        f"{server.log_file}:\n{server.log_tail()}"
                    )
                if server.ready():
                    pending.remove(server)
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(
                    f"{names} not ready after {self.settings.stack_start_timeout:.0f}s; "
                    f"see {', '.join(str(s.log_file) for s in pending)}"
                )
            if pending:
                time.sleep(0.5)

    def down(self) -> list[str]:
        """Stop every server of the stack (SIGTERM, then SIGKILL after the grace period).

        Returns the names stopped.
        """
        return [s.name for s in self.known.values() if s.stop(self.settings.stack_stop_grace)]

    def status(self) -> list[ServerStatus]:
        """The servers ``up`` starts, and any other of the stack that runs."""
        out = []
        for s in self.known.values():
            if s not in self.servers and s.pid() is None:
                continue
            pid = s.pid()
            out.append(
                ServerStatus(
                    s.name, pid, pid is not None and s.ready(), s.port, s.rss_mb(), str(s.log_file)
                )
            )
        return out
