"""`rasad dashboards export --format kibana`: Kibana 8 saved objects, validated without a Kibana.

The same offline checks as the OpenSearch Dashboards export (tests/dashboards/test_osd_export.py),
plus what Kibana 8 needs: object formats no newer than it (its import migrates older ones), no
coordinate map (removed in Kibana 8.0), every aggregated field aggregatable.
"""

from __future__ import annotations

import json

import pytest

from tests.dashboards.test_osd_export import REQUIRED, aggregated_fields, exported
from tests.helpers.processes import clean_env, rasad

# The aggregation-based visualizations Kibana 8 still has.
KIBANA_8_VISUALIZATIONS = {"metric", "histogram", "line", "area", "horizontal_bar", "pie", "table"}


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return exported("--format", "kibana")


def test_objects_are_what_kibana_8_imports(objects):
    kinds = [o["type"] for o in objects]
    assert kinds.count("index-pattern") == kinds.count("dashboard") == kinds.count("search") == 1
    for obj in objects:
        assert REQUIRED[obj["type"]] <= set(obj["attributes"]), obj["id"]
        assert all(version(v) < (8, 19) for v in obj["migrationVersion"].values()), obj["id"]
        if obj["type"] == "visualization":
            state = json.loads(obj["attributes"]["visState"])
            assert state["type"] in KIBANA_8_VISUALIZATIONS, (obj["id"], state["type"])
    board = next(o for o in objects if o["type"] == "dashboard")
    panels = json.loads(board["attributes"]["panelsJSON"])
    assert all(version(p["version"]) < (8, 19) for p in panels)
    ids = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        assert all((r["type"], r["id"]) in ids for r in obj["references"]), obj["id"]
    assert {p["panelRefName"] for p in panels} == {r["name"] for r in board["references"]}


def test_the_geo_panel_keeps_its_countries_chart_without_a_coordinate_map(objects):
    osd = exported()
    assert ("geohash_grid", "locations") in aggregated_fields(osd)
    assert ("geohash_grid", "locations") not in aggregated_fields(objects)
    assert ("terms", "countries") in aggregated_fields(objects)
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "visualization"}
    assert titles == {
        o["attributes"]["title"]
        for o in osd
        if o["type"] == "visualization" and '"tile_map"' not in o["attributes"]["visState"]
    }


def test_a_format_and_an_import_url_that_disagree_are_refused():
    result = rasad(
        "dashboards", "export", "--format", "kibana", "--osd-url", "http://x", env=clean_env()
    )
    assert result.returncode == 1 and "--format kibana (--kibana-url)" in result.stderr.decode()
