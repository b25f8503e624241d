"""The local stack: Apache Kafka (KRaft) and OpenSearch, started from Maven Central artifacts.

``up`` resolves the jars once (cached under the data dir, offline afterwards), starts both
servers in the background and returns when Kafka answers a metadata call and OpenSearch's
cluster health is yellow or green. ``up`` on a running stack is a no-op.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from devstack.servers import KafkaServer, OpenSearchServer, Server
from rasad.errors import StackError
from rasad.settings import Settings


@dataclass
class ServerStatus:
    name: str
    pid: int | None
    ready: bool
    port: int
    rss_mb: float | None
    log: str


class Stack:
    """Both servers of the local stack."""

    def __init__(self, settings: Settings):
        self.settings = settings
        root = settings.stack_dir
        self.servers: list[Server] = [
            KafkaServer("kafka", root / "kafka", settings.kafka_port, settings),
            OpenSearchServer("opensearch", root / "opensearch", settings.opensearch_port, settings),
        ]

    def up(self) -> list[str]:
        """Start what is not running; wait until both are ready. Returns the names started."""
        started = []
        for server in self.servers:
            if server.pid() is None:
                if server.ready():
                    raise StackError(
                        f"port {server.port} already answers as {server.name} but not one this stack "
                        f"started: stop it or change the port setting"
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
                        f"{server.name} exited while starting; log {server.log_file}:\n{server.log_tail()}"
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
        """Stop both (SIGTERM, then SIGKILL after the grace period). Returns the names stopped."""
        return [s.name for s in self.servers if s.stop(self.settings.stack_stop_grace)]

    def status(self) -> list[ServerStatus]:
        out = []
        for s in self.servers:
            pid = s.pid()
            out.append(
                ServerStatus(
                    s.name, pid, pid is not None and s.ready(), s.port, s.rss_mb(), str(s.log_file)
                )
            )
        return out
