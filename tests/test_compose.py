"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from cli.main import app
from rasad.settings import Settings
from tests.helpers.paths import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
RASAD_SERVICES = [
    name for name, s in SERVICES.items() if s.get("image", "").startswith("rasad") or "build" in s
]
# The services `docker compose up` starts, and those `--profile elasticsearch` adds.
DEFAULT = [name for name, s in SERVICES.items() if "profiles" not in s]
ELASTIC = [name for name, s in SERVICES.items() if "elasticsearch" in s.get("profiles", [])]


def test_services_of_the_production_setup():
    assert {"kafka", "opensearch", "opensearch-dashboards", "worker", "alerts", "api"} <= set(
        DEFAULT
    )
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:4.")
    assert SERVICES["opensearch"]["image"].startswith("opensearchproject/opensearch:2.19")
    assert sorted(set(RASAD_SERVICES) & set(DEFAULT)) == [
        "alerts",
        "api",
        "dashboards-import",
        "worker",
    ]
    for name in ("kafka", "opensearch", "worker", "alerts", "api"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"


def test_the_elasticsearch_profile_runs_rasad_on_the_official_images():
    assert sorted(ELASTIC) == [
        "alerts-es",
        "api-es",
        "dashboards-import-es",
        "elasticsearch",
        "indexer-es",
        "kibana",
    ]
    assert SERVICES["elasticsearch"]["image"].startswith(
        "docker.elastic.co/elasticsearch/elasticsearch:8.19."
    )
    assert SERVICES["kibana"]["image"] == SERVICES["elasticsearch"]["image"].replace(
        "elasticsearch/elasticsearch", "kibana/kibana"
    )  # Kibana must match the node's version
    env = SERVICES["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node" and env["xpack.security.enabled"] == "false"
    assert "http://elasticsearch:9200" in SERVICES["kibana"]["environment"]["ELASTICSEARCH_HOSTS"]
    published = [p.split(":")[0] for name in SERVICES for p in SERVICES[name].get("ports", [])]
    assert len(published) == len(set(published)), "two services publish the same host port"
    for name in ("elasticsearch", "indexer-es", "alerts-es", "api-es"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"
        if name != "elasticsearch":
            assert SERVICES[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
            assert "opensearch" not in SERVICES[name]["depends_on"]
    importer = SERVICES["dashboards-import-es"]
    assert importer["command"] == ["dashboards", "export", "--kibana-url", "http://kibana:5601"]
    assert "5602:5601" in SERVICES["kibana"]["ports"] and "healthcheck" in SERVICES["kibana"]
    assert importer["depends_on"]["kibana"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    "service",
    [
        *("worker", "alerts", "api", "dashboards-import"),
        *("indexer-es", "alerts-es", "api-es", "dashboards-import-es"),
    ],
)
def test_rasad_services_read_only_real_settings(service):
    env = SERVICES[service]["environment"]
    fields = {f"RASAD_{name.upper()}" for name in Settings.model_fields}
    unknown = {k for k in env if k.startswith("RASAD_")} - fields
    assert not unknown, f"{service} sets variables the code never reads: {unknown}"
    settings = Settings(**{k[len("RASAD_") :].lower(): v for k, v in env.items()})
    defaults = Settings()
    # The topic and index names are the contract with other producers and tools: same as the code's.
    for name in ("topic_raw", "topic_tagged", "topic_dlq", "topic_alerts", "index_alias"):
        assert getattr(settings, name) == getattr(defaults, name)
    bus_host, bus_port = settings.bus.bootstrap.split(":")
    assert (
        bus_host == "kafka"
        and f"PLAINTEXT://kafka:{bus_port}"
        in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    )
    engine = "elasticsearch" if service in ELASTIC else "opensearch"
    assert settings.store.scheme == engine
    store_host, store_port = settings.store.hosts[0].split(":")
    assert store_host == engine and store_port == "9200"  # the engine's compose service
    assert any(p.endswith(f":{store_port}") for p in SERVICES[store_host]["ports"])


def test_rasad_service_commands_exist():
    commands = {c.name or c.callback.__name__ for c in app.registered_commands} | {
        g.name for g in app.registered_groups
    }
    for service in RASAD_SERVICES:
        assert SERVICES[service]["command"][0] in commands
    for name in ("api", "api-es"):
        api_env = SERVICES[name]["environment"]
        assert any(p.endswith(f":{api_env['RASAD_HTTP_PORT']}") for p in SERVICES[name]["ports"])
        assert api_env["RASAD_HTTP_PORT"] in SERVICES[name]["healthcheck"]["test"][1]
    for name in ("worker", "alerts", "indexer-es", "alerts-es"):
        worker_env = SERVICES[name]["environment"]
        assert worker_env["RASAD_WORKER_WEB_PORT"] in SERVICES[name]["healthcheck"]["test"][1]


def test_the_workers_run_every_stage_once_each_in_its_own_consumer_group():
    workers = [SERVICES[name]["environment"] for name in ("worker", "alerts")]
    roles = [role for env in workers for role in env["RASAD_WORKER_ROLE"].split(",")]
    assert sorted(roles) == ["alerts", "indexer", "tagger"]
    # The profile indexes the tagged stream again (into Elasticsearch) and evaluates its rules.
    elastic = [SERVICES[name]["environment"] for name in ("indexer-es", "alerts-es")]
    assert sorted(env["RASAD_WORKER_ROLE"] for env in elastic) == ["alerts", "indexer"]
    assert len({env["RASAD_WORKER_ID"] for env in workers + elastic}) == 4


def test_dashboards_are_imported_into_osd_once_it_is_healthy():
    service = SERVICES["dashboards-import"]
    assert service["command"][:2] == ["dashboards", "export"]
    url = service["command"][service["command"].index("--osd-url") + 1]
    assert url == "http://opensearch-dashboards:5601"
    assert "5601:5601" in SERVICES["opensearch-dashboards"]["ports"]
    assert service["depends_on"]["opensearch-dashboards"]["condition"] == "service_healthy"
    assert "healthcheck" in SERVICES["opensearch-dashboards"] and service["restart"] == "no"


def test_dockerfile_ships_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = [p.rstrip("*") for p in setuptools["packages"]["find"]["include"]]
    modules: list[str] = [f"{m}.py" for m in setuptools.get("py-modules", [])]
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE))
    assert set(packages + modules) <= copied, (
        f"Dockerfile does not copy {set(packages + modules) - copied}"
    )
    assert all((ROOT / p).is_dir() for p in packages) and all((ROOT / m).is_file() for m in modules)
    assert 'ENTRYPOINT ["rasad"]' in dockerfile
    # The dashboard's charts and map: installed from the lockfile, beside the code.
    assert "COPY package.json package-lock.json" in dockerfile and "npm ci" in dockerfile
    assert "./node_modules" in dockerfile
