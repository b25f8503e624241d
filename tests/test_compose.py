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


def test_services_of_the_production_setup():
    assert {"kafka", "opensearch", "opensearch-dashboards", "worker", "alerts", "api"} <= set(
        SERVICES
    )
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:4.")
    assert SERVICES["opensearch"]["image"].startswith("opensearchproject/opensearch:2.19")
    assert sorted(RASAD_SERVICES) == ["alerts", "api", "dashboards-import", "worker"]
    for name in ("kafka", "opensearch", "worker", "alerts", "api"):
        assert "healthcheck" in SERVICES[name], f"{name} has no healthcheck"


@pytest.mark.parametrize("service", ["worker", "alerts", "api", "dashboards-import"])
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
    assert settings.store.scheme == "opensearch"
    store_host, store_port = settings.store.hosts[0].split(":")
    assert store_host == "opensearch" and f"{store_port}:9200" in SERVICES["opensearch"]["ports"]


def test_rasad_service_commands_exist():
    commands = {c.name or c.callback.__name__ for c in app.registered_commands} | {
        g.name for g in app.registered_groups
    }
    for service in RASAD_SERVICES:
        assert SERVICES[service]["command"][0] in commands
    api_env = SERVICES["api"]["environment"]
    assert f"{api_env['RASAD_HTTP_PORT']}:{api_env['RASAD_HTTP_PORT']}" in SERVICES["api"]["ports"]
    for name in ("worker", "alerts"):
        worker_env = SERVICES[name]["environment"]
        assert worker_env["RASAD_WORKER_WEB_PORT"] in SERVICES[name]["healthcheck"]["test"][1]


def test_the_workers_run_every_stage_once_each_in_its_own_consumer_group():
    workers = [SERVICES[name]["environment"] for name in ("worker", "alerts")]
    roles = [role for env in workers for role in env["RASAD_WORKER_ROLE"].split(",")]
    assert sorted(roles) == ["alerts", "indexer", "tagger"]
    assert len({env["RASAD_WORKER_ID"] for env in workers}) == 2


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
