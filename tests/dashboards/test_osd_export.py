"""`rasad dashboards export`: OpenSearch Dashboards 2.x saved objects, validated without an OSD.

Offline: every line is a saved object of a type OSD imports, with the attributes its importer
requires (nested JSON as strings that parse), and every reference resolves inside the file.
On the real OpenSearch and Elasticsearch: every aggregated field exists in the index's mapping
with a type that can be aggregated the way the visualization does.
"""

from __future__ import annotations

import json

import pytest

import wiring
from indexers.searchengine import SearchEngineStore
from rasad.settings import Settings
from tests.helpers.engines import SERVER_ENGINES, engine_url
from tests.helpers.processes import clean_env, rasad

REQUIRED = {
    "index-pattern": {"title", "timeFieldName", "fields"},
    "visualization": {
        "title",
        "visState",
        "uiStateJSON",
        "description",
        "version",
        "kibanaSavedObjectMeta",
    },
    "search": {"title", "columns", "sort", "kibanaSavedObjectMeta"},
    "dashboard": {
        "title",
        "panelsJSON",
        "optionsJSON",
        "timeRestore",
        "kibanaSavedObjectMeta",
        "version",
    },
}
# aggregation type -> the mapping types it can run on
AGG_TYPES = {"terms": {"keyword"}, "date_histogram": {"date"}, "geohash_grid": {"geo_point"}}


def exported(*args: str, env: dict | None = None) -> list[dict]:
    result = rasad("dashboards", "export", *args, env=env or clean_env(), check=True)
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert lines[-1]["exportedCount"] == len(lines) - 1 and lines[-1]["missingRefCount"] == 0
    return lines[:-1]


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return exported()


def aggregated_fields(objects: list[dict]) -> set[tuple[str, str]]:
    """(aggregation type, field) of every bucket aggregation, and the time field."""
    out = set()
    for obj in objects:
        if obj["type"] == "visualization":
            for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
                if "field" in agg["params"]:
                    out.add((agg["type"], agg["params"]["field"]))
        if obj["type"] == "index-pattern":
            out.add(("date_histogram", obj["attributes"]["timeFieldName"]))
    return out


def test_objects_have_what_the_importer_requires(objects):
    kinds = [o["type"] for o in objects]
    assert kinds.count("index-pattern") == 1 and kinds.count("dashboard") == 1
    assert kinds.count("visualization") >= 9 and kinds.count("search") == 1
    for obj in objects:
        assert set(obj) >= {"id", "type", "attributes", "references", "migrationVersion"}
        assert REQUIRED[obj["type"]] <= set(obj["attributes"]), obj["id"]
        source = obj["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
        if source is not None:
            assert isinstance(json.loads(source), dict)
        if obj["type"] == "visualization":
            state = json.loads(obj["attributes"]["visState"])
            assert state["type"] in {
                "metric",
                "histogram",
                "line",
                "area",
                "horizontal_bar",
                "pie",
                "table",
                "tile_map",
            }
            assert (
                state["aggs"][0]["type"] == "count"
                and json.loads(obj["attributes"]["uiStateJSON"]) == {}
            )
    pattern = next(o for o in objects if o["type"] == "index-pattern")
    assert (
        pattern["attributes"]["title"] == "articles"
        and pattern["attributes"]["timeFieldName"] == "ingested_at"
    )
    fields = {f["name"]: f for f in json.loads(pattern["attributes"]["fields"])}
    for agg, field in aggregated_fields(objects):
        assert fields[field]["aggregatable"], (agg, field)


def test_every_reference_resolves(objects):
    ids = {(o["type"], o["id"]) for o in objects}
    assert len(ids) == len(objects)  # no id twice
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, (obj["id"], ref)
        source = json.loads(
            obj["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}")
        )
        names = {r["name"] for r in obj["references"]}
        if "indexRefName" in source:
            assert source["indexRefName"] in names
        for f in source.get("filter", []):
            assert f["meta"]["indexRefName"] in names and f["query"]
    board = next(o for o in objects if o["type"] == "dashboard")
    panels = json.loads(board["attributes"]["panelsJSON"])
    assert {p["panelRefName"] for p in panels} == {r["name"] for r in board["references"]}
    for p in panels:
        grid = p["gridData"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 48 and grid["h"] > 0
    assert len({p["panelIndex"] for p in panels}) == len(panels)


def test_a_panel_filter_becomes_the_stores_own_query(tmp_path):
    (tmp_path / "arabic.yaml").write_text(
        "id: arabic\ntitle: Arabic\nquery: lang:ar\npanels:\n"
        "  - {id: isis, title: ISIS, kind: metric, filter: 'ISIS -country:IQ'}\n"
    )
    objects = exported("--dashboard", "arabic", env=clean_env(RASAD_DASHBOARDS_DIR=str(tmp_path)))
    metric = next(o for o in objects if o["type"] == "visualization")
    filters = json.loads(metric["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])[
        "filter"
    ]
    assert [f["meta"]["alias"] for f in filters] == ["lang:ar", "ISIS -country:IQ"]
    assert filters[0]["query"] == {"term": {"language": "ar"}}
    assert "must_not" in json.dumps(filters[1]["query"]) and "Q2429253" in json.dumps(
        filters[1]["query"]
    )


def test_an_unknown_dashboard_is_refused():
    result = rasad("dashboards", "export", "--dashboard", "nope", env=clean_env())
    assert (
        result.returncode != 0
        and "no dashboard 'nope'" in result.stderr.decode() + result.stdout.decode()
    )


@pytest.mark.parametrize("engine", SERVER_ENGINES)
def test_every_aggregated_field_is_aggregatable_in_the_real_mapping(objects, engine, request):
    settings = Settings(store=engine_url(engine, request), index_alias="osdcheck")
    store = wiring.open_store(settings, wiring.lexicon(), setup=True)
    assert isinstance(store, SearchEngineStore)
    try:
        (index,) = store.engine.aliased(store.alias)
        mapping = store.engine.client.indices.get_mapping(index=index)[index]["mappings"][
            "properties"
        ]
        for agg, field in aggregated_fields(objects):
            assert field in mapping, field
            assert mapping[field]["type"] in AGG_TYPES[agg], (agg, field, mapping[field])
        pattern = next(o for o in objects if o["type"] == "index-pattern")
        for f in json.loads(pattern["attributes"]["fields"]):
            assert f["esTypes"] == [mapping[f["name"]]["type"]], f["name"]
    finally:
        store.drop()
        store.close()
