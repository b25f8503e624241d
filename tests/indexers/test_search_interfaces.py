"""``rasad search`` and ``GET /api/search`` over a store holding the known
corpus (SQLite: no stack needed).
"""

from __future__ import annotations

import json
import os

import pytest

from dashboards.app import create_app
from indexers.sqlite import SqliteStore
from rasad import concepts
from tests.helpers.asgi import Client
from tests.helpers.cli import invoke as rasad
from tests.indexers.corpus import ISIS, corpus


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "rasad.db"
    store = SqliteStore(path, concepts.load().stemmer)
    store.setup()
    store.index(corpus())
    store.close()
    return path


@pytest.fixture(scope="module")
def client(database):
    store = SqliteStore(database, concepts.load().stemmer)
    yield Client(create_app(store, concepts.load()))
    store.close()


def cli(database, *args: str):
    env = {
        **os.environ,
        "RASAD_STORE": f"sqlite:///{database}",
        "RASAD_DATA_DIR": str(database.parent),
    }
    return rasad("search", *args, env=env)


def test_cli_json_has_hits_facets_and_histogram(database):
    result = cli(database, "ISIS", "--json", "--size", "50", "--interval", "month")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["total"] == len(ISIS) and {h["id"] for h in data["hits"]} == ISIS
    assert {"value": "ar", "count": 3} in data["facets"]["language"]
    assert data["histogram"] == [{"date": "2015-10", "count": 6}]


def test_cli_text_output_sorted_by_date_and_paged(database):
    result = cli(database, "country:SY", "--sort", "date", "--size", "3", "--page", "2")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "10 result(s), 4–6 shown" in out
    assert out.index("tr1") < out.index("ru1") < out.index("en2")


def test_cli_rejects_a_bad_query_with_one_line(database):
    result = cli(database, "colour:red")
    assert result.returncode == 1
    assert result.stderr.decode().strip().startswith("error: unknown filter 'colour'")


def test_api_search_escapes_highlights(client):
    data = client.get("/api/search", params={"q": "script"}).json()
    highlights = " ".join(data["hits"][0]["highlights"])
    assert "<script>" not in highlights and "&lt;<mark>script</mark>&gt;" in highlights


def test_api_search_cross_lingual_with_filters_and_paging(client):
    data = client.get("/api/search", params={"q": "داعش lang:fr", "sort": "date"}).json()
    assert [h["id"] for h in data["hits"]] == ["fr1"]
    page = client.get(
        "/api/search", params={"q": "ISIS", "sort": "date", "size": 2, "page": 3}
    ).json()
    assert page["total"] == 6 and [h["id"] for h in page["hits"]] == ["ar2", "ar1"]
    weeks = client.get("/api/search", params={"q": "lang:ar", "interval": "week"}).json()[
        "histogram"
    ]
    assert weeks[0] == {"date": "2015-09-28", "count": 3}


@pytest.mark.parametrize(
    "params",
    [{"q": "(unbalanced"}, {"q": "x", "sort": "random"}, {"q": "x", "page": "two"}, {"q": "NOT"}],
)
def test_api_search_bad_requests_are_400(client, params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 400 and "error" in response.json()
