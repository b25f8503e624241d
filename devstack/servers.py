"""The servers of the local stack: how each is prepared, started and checked.

Kafka and OpenSearch are here; Elasticsearch, the optional second engine, is in
``devstack.elasticsearch``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from devstack import maven
from rasad.errors import StackError
from rasad.settings import Settings

HERE = Path(__file__).parent


@dataclass
class Server:
    """A JVM server with its own folder, pid file and log."""

    name: str
    home: Path
    port: int
    settings: Settings

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    def pid(self) -> int | None:
        """The pid of the running server, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        # The JVM launcher may re-exec itself right after start (empty cmdline for an instant);
        # a different non-empty command line means the pid was reused by another program.
        if cmdline and b"java" in cmdline.split(b"\0")[0] and self.marker.encode() not in cmdline:
            return None
        return pid

    def rss_mb(self) -> float | None:
        """Resident memory of the server process in MiB."""
        pid = self.pid()
        if pid is None:
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None

    @property
    def marker(self) -> str:
        return f"-Drasad.server={self.home.resolve()}"

    def java(self) -> str:
        if self.settings.java_home:
            return str(self.settings.java_home / "bin" / "java")
        java = shutil.which("java")
        if java is None:
            raise StackError("java is not installed: install a JDK 17+ or set RASAD_JAVA_HOME")
        return java

    def compile_launcher(self, source: Path, jars: list[Path]) -> Path:
        """Compile the server's small Java launcher against ``jars`` (once; again when edited)."""
        classes = self.home / "launcher"
        built = classes / source.with_suffix(".class").name
        if built.exists() and built.stat().st_mtime >= source.stat().st_mtime:
            return classes
        javac = (
            shutil.which("javac")
            if not self.settings.java_home
            else str(self.settings.java_home / "bin" / "javac")
        )
        if javac is None:
            raise StackError("javac is not installed: install a JDK 17+ (not only a JRE)")
        classes.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [javac, "-cp", ":".join(map(str, jars)), "-d", str(classes), str(source)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise StackError(f"compiling {source.name} failed:\n{result.stderr[-3000:]}")
        return classes

    def prepare(self) -> list[str]:
        """Resolve, configure and return the command line that starts the server."""
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        """Start in the background (own session, output to the log)."""
        command = self.prepare()
        self.home.mkdir(parents=True, exist_ok=True)
        # posix_spawn rather than Popen: the server outlives this command, in its own session,
        # and no Popen object is left to complain about a child that is still running.
        pid = os.posix_spawn(
            command[0],
            command,
            os.environ,
            setsid=True,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (
                    os.POSIX_SPAWN_OPEN,
                    1,
                    str(self.log_file),
                    os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                    0o644,
                ),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
        )
        self.pid_file.write_text(str(pid))

    def stop(self, grace: float) -> bool:
        """SIGTERM, then SIGKILL after ``grace`` seconds; True if it was running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class KafkaServer(Server):
    """Apache Kafka in KRaft combined mode (broker + controller), one node."""

    def prepare(self) -> list[str]:
        s = self.settings
        jars = maven.resolve(
            HERE / "kafka.pom.xml", {"kafka_version": s.kafka_version}, self.home / "maven"
        )
        config = self.home / "server.properties"
        config.write_text(_kafka_properties(s, self.home / "data"))
        log4j = self.home / "log4j2.properties"
        shutil.copyfile(HERE / "kafka-log4j2.properties", log4j)
        base = [
            self.java(),
            f"-Dlog4j2.configurationFile=file:{log4j}",
            "-cp",
            ":".join(map(str, jars)),
        ]
        if not (self.home / "data" / "meta.properties").exists():
            # Storage is formatted once, in its own JVM, with a fresh cluster id.
            fmt = subprocess.run(
                [
                    *base,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    _cluster_id(),
                    "-c",
                    str(config),
                    "--ignore-formatted",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if fmt.returncode != 0:
                raise StackError(
                    f"Kafka storage format failed:\n{fmt.stdout[-2000:]}{fmt.stderr[-2000:]}"
                )
        heap = s.kafka_heap
        return [
            base[0],
            self.marker,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            *base[1:],
            "kafka.Kafka",
            str(config),
        ]

    def ready(self) -> bool:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        if not _port_open(self.port):  # the client would otherwise block for long on a closed port
            return False
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"127.0.0.1:{self.port}", request_timeout_ms=3000
            )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            admin.describe_cluster()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()


class OpenSearchServer(Server):
    """An OpenSearch node started by the project's small Java
    launcher (see RasadOpenSearch.java).
    """

    def prepare(self) -> list[str]:
        s = self.settings
        jars = maven.resolve(
            HERE / "opensearch.pom.xml",
            {"opensearch_version": s.opensearch_version},
            self.home / "maven",
        )
        classes = self.compile_launcher(HERE / "RasadOpenSearch.java", jars)
        config = self.home / "node.yml"
        config.write_text(_opensearch_yaml(s, self.home))
        heap = s.opensearch_heap
        return [
            self.java(),
            self.marker,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dlog4j2.disable.jmx=true",
            "-Dfile.encoding=UTF-8",
            "-Dio.netty.noUnsafe=true",
            "-cp",
            ":".join(map(str, [*jars, classes])),
            "RasadOpenSearch",
            str(self.home / "node"),
            str(config),
        ]

    def ready(self) -> bool:
        return cluster_healthy(self.port)


def cluster_healthy(port: int) -> bool:
    """True when the search engine on ``port`` reports its cluster health yellow or green."""
    # /_cluster/health, not GET /: a bare Elasticsearch node answers the root with 405.
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/_cluster/health", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return False
    return health.get("status") in ("yellow", "green")


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _cluster_id() -> str:
    # Kafka cluster ids are a UUID in URL-safe base64 without padding (what `random-uuid` prints).
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _kafka_properties(s: Settings, data: Path) -> str:
    return f"""# Written by `rasad stack up`; edit the settings, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{s.kafka_controller_port}
listeners=PLAINTEXT://127.0.0.1:{s.kafka_port},CONTROLLER://127.0.0.1:{s.kafka_controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{s.kafka_port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data.resolve()}
num.partitions={s.topic_partitions}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
message.max.bytes=10485760
"""


def _opensearch_yaml(s: Settings, home: Path) -> str:
    return f"""# Written by `rasad stack up`; edit the settings, not this file.
cluster.name: rasad
node.name: rasad-1
path.data: {(home / "data").resolve()}
path.logs: {(home / "logs").resolve()}
network.host: 127.0.0.1
http.port: {s.opensearch_port}
transport.port: {s.opensearch_transport_port}
discovery.type: single-node
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
"""
