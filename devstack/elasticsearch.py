"""Elasticsearch, the optional second engine of the local stack, from Maven Central jars.

Maven Central publishes the server and its network module (transport-netty4) but none of the
other modules a distribution bundles, so the node is bare: no language analyzers, painless,
reindex, root endpoint (``GET /`` answers 405) or X-Pack (no security, and ``xpack.*`` settings
are unknown: one stops the node). Rasad's Elasticsearch adapters need none of them.

The server jars go on the JVM's module path; the network module gets the folder a distribution
would have (``node/modules/transport-netty4/``: its jars and descriptor), from which the
launcher's ``PluginsLoader`` loads it.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from devstack import maven
from devstack.servers import HERE, Server, cluster_healthy
from rasad.settings import Settings

_MODULE = "transport-netty4"
# The module's own jars; everything else Maven resolved is the server's.
_MODULE_JAR = re.compile(r"(transport-netty4|netty-.+|elasticsearch-ssl-config)-\d.*\.jar")
_DESCRIPTOR = f"META-INF/es-plugins/{_MODULE}/plugin-descriptor.properties"


class ElasticsearchServer(Server):
    """A bare Elasticsearch 8.19 node, started by the project's RasadElasticsearch.java."""

    def prepare(self) -> list[str]:
        s = self.settings
        jars = maven.resolve(
            HERE / "elasticsearch.pom.xml",
            {"elasticsearch_version": s.elasticsearch_version},
            self.home / "maven",
        )
        node = self.home / "node"
        server_jars = _lay_out_module(jars, node / "modules" / _MODULE)
        classes = self.compile_launcher(HERE / "RasadElasticsearch.java", server_jars)
        config = node / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "elasticsearch.yml").write_text(_elasticsearch_yaml(s, self.home))
        shutil.copyfile(HERE / "elasticsearch-log4j2.properties", config / "log4j2.properties")
        tmp = self.home / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        heap = s.elasticsearch_heap
        return [
            self.java(),
            self.marker,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            f"-Djava.io.tmpdir={tmp.resolve()}",
            "-Dlog4j2.disable.jmx=true",
            "-Dlog4j2.formatMsgNoLookups=true",
            "-Dio.netty.noUnsafe=true",
            "-Dio.netty.noKeySetOptimization=true",
            "-Dio.netty.recycler.maxCapacityPerThread=0",
            # Accepted by JDK 17 (where it changes nothing); keeps JDK 22+ from warning on every
            # native call. JDK 17 is the runtime to use: on 21+ the server wants native libraries
            # that come with its tarball only, and best_compression indices then fail.
            "--enable-native-access=org.elasticsearch.nativeaccess,org.apache.lucene.core",
            "--module-path",
            ":".join(map(str, server_jars)),
            "--add-modules",
            "ALL-MODULE-PATH",
            "-cp",
            str(classes),
            "RasadElasticsearch",
            str(node.resolve()),
        ]

    def ready(self) -> bool:
        return cluster_healthy(self.port)


def _lay_out_module(jars: list[Path], folder: Path) -> list[Path]:
    """Link the network module's jars and descriptor into ``folder``; return the server's jars."""
    if folder.exists():
        shutil.rmtree(folder)  # links of another version may be there
    folder.mkdir(parents=True)
    server = []
    for jar in jars:
        if _MODULE_JAR.fullmatch(jar.name):
            (folder / jar.name).symlink_to(jar)
            if jar.name.startswith(_MODULE):
                with zipfile.ZipFile(jar) as archive:
                    (folder / "plugin-descriptor.properties").write_bytes(archive.read(_DESCRIPTOR))
        else:
            server.append(jar)
    return server


def _elasticsearch_yaml(s: Settings, home: Path) -> str:
    # No xpack.* settings: X-Pack is not on the module path, so they do not exist here.
    return f"""# Written by `rasad stack up`; edit the settings, not this file.
cluster.name: rasad
node.name: rasad-es-1
path.data: {(home / "data").resolve()}
path.logs: {(home / "logs").resolve()}
network.host: 127.0.0.1
http.port: {s.elasticsearch_port}
transport.port: {s.elasticsearch_transport_port}
discovery.type: single-node
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
"""
