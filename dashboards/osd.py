"""A Rasad dashboard as OpenSearch Dashboards 2.x or Kibana 8 saved objects (NDJSON, ``_import``).

One index pattern over the articles alias, one visualization per panel (a saved search for a
table of articles), and the dashboard laying them out on OSD's 48-column grid. Nested JSON
attributes (``visState``, ``panelsJSON``, ``searchSourceJSON``) are JSON strings, and every
link between objects is a ``references`` entry, as OSD's exporter writes them. A panel's
filter becomes a custom query-DSL filter (``query_dsl``: the store's own translation of the
query tree, so OSD selects exactly what Rasad does). Alert feeds have no OSD equivalent and are
left out; the geo panel becomes a coordinate map of the tagged places' ``locations`` and a bar
chart of countries.

Kibana (``KIBANA``) gets the same objects in the same formats — those of Kibana 7.10, which OSD
forked; Kibana 8's import migrates them — except the coordinate map (``tile_map``), which Kibana
8.0 removed: there a geo panel is its countries chart only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dashboards.definition import Dashboard, Panel
from rasad.concepts import Lexicon
from rasad.query import Node, parse

QueryDsl = Callable[[Node], dict]
OSD_VERSION = "2.19.1"
PATTERN_ID = "rasad-articles"
_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
# OSD field types of OpenSearch mapping types (what the index pattern's field list says)
_OSD_TYPES = {"keyword": "string", "text": "string", "date": "date", "geo_point": "geo_point"}
_AGGREGATABLE = {"keyword", "date", "geo_point", "long", "integer", "float", "double"}


@dataclass(frozen=True)
class Target:
    """The dashboards application the saved objects are for."""

    name: str
    panel_version: str  # the version a dashboard's panels say they were saved by
    xsrf_header: str  # what its HTTP API requires on an import
    coordinate_map: bool  # whether it has the ``tile_map`` visualization


OSD = Target("OpenSearch Dashboards", OSD_VERSION, "osd-xsrf", coordinate_map=True)
KIBANA = Target("Kibana", "7.10.2", "kbn-xsrf", coordinate_map=False)
TARGETS = {"osd": OSD, "kibana": KIBANA}


def index_pattern(alias: str, time_field: str, mapping: dict[str, str]) -> dict[str, Any]:
    """The index pattern over ``alias``; ``mapping``: field name -> OpenSearch type."""
    fields = [
        {
            "name": name,
            "type": _OSD_TYPES.get(kind, "number" if kind in _AGGREGATABLE else "unknown"),
            "esTypes": [kind],
            "searchable": True,
            "aggregatable": kind in _AGGREGATABLE,
            "readFromDocValues": kind in _AGGREGATABLE,
            "count": 0,
            "scripted": False,
        }
        for name, kind in sorted(mapping.items())
        if kind != "object"
    ]
    return {
        "id": PATTERN_ID,
        "type": "index-pattern",
        "attributes": {
            "title": alias,
            "timeFieldName": time_field,
            "fields": json.dumps(fields),
        },
        "references": [],
        "migrationVersion": {"index-pattern": "7.6.0"},
        "version": "1",
    }


def saved_objects(
    board: Dashboard,
    alias: str,
    mapping: dict[str, str],
    query_dsl: QueryDsl,
    lexicon: Lexicon,
    target: Target = OSD,
) -> list[dict[str, Any]]:
    """The index pattern, the panels' visualizations and searches, and the dashboard."""
    objects = [index_pattern(alias, board.time_field, mapping)]
    placed: list[tuple[dict[str, Any], int]] = []
    for panel in board.panels:
        for obj in _panel_objects(board, panel, query_dsl, lexicon, target):
            objects.append(obj)
            placed.append((obj, panel.width))
    objects.append(_dashboard(board, placed, target))
    return objects


def ndjson(objects: list[dict[str, Any]]) -> Iterator[str]:
    """One object per line, then the export summary line OSD's exporter ends with."""
    for obj in objects:
        yield json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n"
    yield (
        json.dumps({"exportedCount": len(objects), "missingRefCount": 0, "missingReferences": []})
        + "\n"
    )


def _source(
    board: Dashboard, panel: Panel, query_dsl: QueryDsl, lexicon: Lexicon
) -> tuple[str, list[dict]]:
    """A ``searchSourceJSON`` (query + the board's and panel's filters) and its references."""
    filters: list[dict[str, Any]] = []
    references = [{"name": _INDEX_REF, "type": "index-pattern", "id": PATTERN_ID}]
    for text in (board.query, panel.filter):
        root = parse(text, lexicon).root if text.strip() else None
        if root is None:
            continue
        name = f"kibanaSavedObjectMeta.searchSourceJSON.filter[{len(filters)}].meta.index"
        filters.append(
            {
                "meta": {
                    "alias": text,
                    "negate": False,
                    "disabled": False,
                    "type": "custom",
                    "key": "query",
                    "value": json.dumps(query_dsl(root)),
                    "indexRefName": name,
                },
                "query": query_dsl(root),
                "$state": {"store": "appState"},
            }
        )
        references.append({"name": name, "type": "index-pattern", "id": PATTERN_ID})
    source = {
        "query": {"query": "", "language": "kuery"},
        "filter": filters,
        "indexRefName": _INDEX_REF,
    }
    return json.dumps(source), references


def _panel_objects(
    board: Dashboard, panel: Panel, query_dsl: QueryDsl, lexicon: Lexicon, target: Target
) -> list[dict[str, Any]]:
    if panel.kind == "alerts":
        return []
    source, references = _source(board, panel, query_dsl, lexicon)
    meta = {"searchSourceJSON": source}
    base = f"rasad-{board.id}-{panel.id}"
    if panel.kind == "search":
        attributes = {
            "title": panel.title,
            "description": "",
            "hits": 0,
            "columns": ["title", "source", "language"],
            "sort": [[board.time_field, "desc"]],
            "version": 1,
            "kibanaSavedObjectMeta": meta,
        }
        return [_object(base, "search", attributes, references, "7.9.3")]
    states = _vis_states(board, panel, lexicon)
    if not target.coordinate_map:
        states = [state for state in states if state["type"] != "tile_map"]
    return [
        _object(
            f"{base}-{i}" if len(states) > 1 else base,
            "visualization",
            {
                "title": state["title"],
                "visState": json.dumps(state),
                "uiStateJSON": "{}",
                "description": "",
                "version": 1,
                "kibanaSavedObjectMeta": meta,
            },
            references,
            "7.10.0",
        )
        for i, state in enumerate(states)
    ]


def _object(
    oid: str, kind: str, attributes: dict, references: list[dict], migration: str
) -> dict[str, Any]:
    return {
        "id": oid,
        "type": kind,
        "attributes": attributes,
        "references": references,
        "migrationVersion": {kind: migration},
        "version": "1",
    }


_COUNT = {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}
_XY_PARAMS = {
    "addTooltip": True,
    "addLegend": True,
    "legendPosition": "right",
    "times": [],
    "addTimeMarker": False,
}


def _vis_states(board: Dashboard, panel: Panel, lexicon: Lexicon) -> list[dict[str, Any]]:
    """The ``visState`` of each visualization a panel becomes."""
    if panel.kind == "metric":
        params = {
            "addTooltip": True,
            "addLegend": False,
            "type": "metric",
            "metric": {
                "percentageMode": False,
                "colorSchema": "Green to Red",
                "metricColorMode": "None",
                "useRanges": False,
                "colorsRange": [{"from": 0, "to": 10000}],
                "labels": {"show": True},
                "invertColors": False,
                "style": {
                    "bgFill": "#000",
                    "bgColor": False,
                    "labelColor": False,
                    "subText": "",
                    "fontSize": 60,
                },
            },
        }
        return [{"title": panel.title, "type": "metric", "aggs": [_COUNT], "params": params}]
    if panel.kind == "date_histogram":
        aggs = [
            _COUNT,
            _agg(
                "2",
                "date_histogram",
                "segment",
                {
                    "field": board.time_field,
                    "interval": "auto",
                    "min_doc_count": 0,
                    "extended_bounds": {},
                },
            ),
        ]
        if panel.series:
            filters = [
                {
                    "input": {"query": f'concepts:"{c}"', "language": "kuery"},
                    "label": lexicon.concepts[c].label,
                }
                for c in panel.series
            ]
            aggs.append(_agg("3", "filters", "group", {"filters": filters}))
        kind = {"bar": "histogram", "line": "line", "area": "area"}[str(panel.chart)]
        return [
            {
                "title": panel.title,
                "type": kind,
                "aggs": aggs,
                "params": {**_XY_PARAMS, "type": kind},
            }
        ]
    if panel.kind == "terms":
        assert panel.field is not None
        return [_terms(panel.title, panel.field, panel.size, str(panel.chart))]
    assert panel.kind == "geo"
    points = {
        "title": panel.title,
        "type": "tile_map",
        "aggs": [
            _COUNT,
            _agg(
                "2",
                "geohash_grid",
                "segment",
                {
                    "field": "locations",
                    "autoPrecision": True,
                    "precision": 2,
                    "useGeocentroid": True,
                    "isFilteredByCollar": True,
                },
            ),
        ],
        "params": {
            "mapType": "Scaled Circle Markers",
            "isDesaturated": True,
            "addTooltip": True,
            "heatClusterSize": 1.5,
            "legendPosition": "bottomright",
            "mapZoom": 2,
            "mapCenter": [30, 20],
            "wms": {"enabled": False},
        },
    }
    return [points, _terms(f"{panel.title}: countries", "countries", 20, "bar")]


def _terms(title: str, field: str, size: int, chart: str) -> dict[str, Any]:
    kind = {"bar": "horizontal_bar", "pie": "pie", "table": "table"}[chart]
    schema = "bucket" if kind == "table" else "segment"
    terms = _agg(
        "2",
        "terms",
        schema,
        {
            "field": field,
            "size": size,
            "order": "desc",
            "orderBy": "1",
            "otherBucket": False,
            "missingBucket": False,
        },
    )
    params: dict[str, Any] = {"type": kind, "addTooltip": True, "addLegend": kind == "pie"}
    if kind == "pie":
        params.update(
            {
                "isDonut": True,
                "legendPosition": "right",
                "labels": {"show": False, "values": True, "last_level": True, "truncate": 100},
            }
        )
    elif kind == "table":
        params.update(
            {
                "perPage": 10,
                "showPartialRows": False,
                "showMetricsAtAllLevels": False,
                "showTotal": False,
                "totalFunc": "sum",
                "percentageCol": "",
            }
        )
    else:
        params.update(_XY_PARAMS)
    return {"title": title, "type": kind, "aggs": [_COUNT, terms], "params": params}


def _agg(aid: str, kind: str, schema: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": aid, "enabled": True, "type": kind, "schema": schema, "params": params}


def _dashboard(
    board: Dashboard, placed: list[tuple[dict[str, Any], int]], target: Target
) -> dict[str, Any]:
    """The dashboard: panels in order on a 48-column grid (a Rasad column is 16 wide)."""
    panels, references, x, y = [], [], 0, 0
    for i, (obj, width) in enumerate(placed):
        w = 16 * width
        if x + w > 48:
            x, y = 0, y + 15
        name = f"panel_{i}"
        panels.append(
            {
                "version": target.panel_version,
                "gridData": {"x": x, "y": y, "w": w, "h": 15, "i": str(i + 1)},
                "panelIndex": str(i + 1),
                "embeddableConfig": {},
                "panelRefName": name,
            }
        )
        references.append({"name": name, "type": obj["type"], "id": obj["id"]})
        x += w
    minutes = {"15m": "now-15m", "1h": "now-1h", "24h": "now-24h", "7d": "now-7d"}[board.range]
    attributes = {
        "title": board.title,
        "description": board.description,
        "hits": 0,
        "panelsJSON": json.dumps(panels),
        "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}),
        "version": 1,
        "timeRestore": True,
        "timeFrom": minutes,
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 10000},
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": json.dumps(
                {"query": {"query": "", "language": "kuery"}, "filter": []}
            )
        },
    }
    return _object(f"rasad-{board.id}", "dashboard", attributes, references, "7.9.3")
