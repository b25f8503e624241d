"""Kafka's own command-line tools (console producer and consumer, topics, consumer groups) run
against the stack's Kafka from the same Maven Central classpath as the broker.

The distribution's ``bin/*.sh`` scripts are not there (the stack is built from jars), so
``rasad stack kafka TOOL ARGS…`` runs the tool's main class instead; ``--bootstrap-server`` is
added when not given: the bus of ``RASAD_BUS`` when it is Kafka, else the stack's own port.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from devstack import maven
from devstack.servers import HERE
from rasad.errors import StackError
from rasad.settings import Settings

TOOLS = {
    "console-producer": "org.apache.kafka.tools.ConsoleProducer",
    "console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "topics": "org.apache.kafka.tools.TopicCommand",
    "consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "get-offsets": "org.apache.kafka.tools.GetOffsetShell",
}


def command(settings: Settings, tool: str, args: list[str]) -> list[str]:
    """The java command line running Kafka tool ``tool`` (a key of ``TOOLS``) with ``args``."""
    main = TOOLS.get(tool)
    if main is None:
        raise StackError(f"unknown Kafka tool {tool!r}: use one of {', '.join(TOOLS)}")
    jars = maven.resolve(
        HERE / "kafka.pom.xml",
        {"kafka_version": settings.kafka_version},
        settings.stack_dir / "kafka" / "maven",
    )
    java = str(settings.java_home / "bin" / "java") if settings.java_home else shutil.which("java")
    if java is None:
        raise StackError("java is not installed: install a JDK 17+ or set RASAD_JAVA_HOME")
    if not any(a == "--bootstrap-server" or a.startswith("--bootstrap-server=") for a in args):
        bootstrap = (
            settings.bus.bootstrap
            if settings.bus.scheme == "kafka"
            else f"127.0.0.1:{settings.kafka_port}"
        )
        args = ["--bootstrap-server", bootstrap, *args]
    return [
        java,
        f"-Dlog4j2.configurationFile=file:{HERE / 'kafka-tools-log4j2.properties'}",
        "-Xmx256m",
        "-cp",
        ":".join(map(str, jars)),
        main,
        *args,
    ]


def run(settings: Settings, tool: str, args: list[str]) -> int:
    """Run the tool in the foreground (this process's stdin, stdout, stderr); its exit code."""
    return subprocess.run(command(settings, tool, args), cwd=Path.cwd()).returncode
