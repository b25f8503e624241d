"""The dashboards' API on a real SQLite store: panels' data, the live overlay and its event
stream, exports of every hit (API and CLI), and a store that is down (a message, never a 500)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from dashboards.app import create_app
from dashboards.live import Live
from dashboards.panels import request_for
from dashboards.view import view_from
from indexers.opensearch import OpenSearchStore
from indexers.sqlite import SqliteStore
from rasad.addresses import parse_store
from rasad.model import Article, Tag, utcnow
from tests.helpers.asgi import Client
from tests.helpers.network import AppServer, free_port
from tests.helpers.processes import clean_env, rasad
from tests.indexers.corpus import corpus


def recent(count: int = 30) -> list[Article]:
    """``count`` articles (the corpus, repeated with new ids) that arrived in the last minutes."""
    base = corpus()
    now = utcnow()
    return [
        base[i % len(base)].model_copy(
            update={"id": f"a{i:03d}", "ingested_at": now - timedelta(seconds=20 * i + 5)}
        )
        for i in range(count)
    ]


@pytest.fixture
def store(tmp_path, stemmer):
    s = SqliteStore(tmp_path / "rasad.db", stemmer)
    s.index(recent())
    yield s
    s.close()


@pytest.fixture
def live(stemmer):
    watching = Live(lambda: SqliteStore(Path(":memory:"), stemmer))
    yield watching
    watching.close()


@pytest.fixture
def client(store, live, lexicon):
    alerts = [
        {
            "id": "x1",
            "rule": "raqqa",
            "kind": "match",
            "article_id": "a001",
            "title": "<b>t</b>",
            "latency": {"matched": "2026-01-01T00:00:00+00:00"},
            "deliveries": [{"target": "https://hook.test/secret"}],
        }
    ]
    return Client(create_app(store, lexicon, live=live, alerts_log=lambda n: alerts[:n]))


def data(client: Client, **params) -> dict:
    response = client.get("/api/dashboards/geopolitical/data", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_panels_data_follow_the_query_and_filters(client):
    every = data(client, range="1h")["panels"]
    assert every["total"]["value"] == 30
    assert sum(n for _, n in every["rate"]["series"][0]["points"]) == 30
    assert len(every["rate"]["series"][0]["points"]) == 61  # every minute of the hour, empty as 0
    assert [s["id"] for s in every["mentions"]["series"]] == ["Q2429253", "airstrike", "SY"]
    arabic = sum(1 for a in recent() if a.language == "ar")
    assert every["languages"]["buckets"][0] == {
        "key": "ar",
        "label": "Arabic",
        "count": arabic,
        "filter": "lang:ar",
    }
    syria = next(c for c in every["map"]["countries"] if c["key"] == "SY")
    assert syria["numeric"] == "760" and syria["filter"] == "country:SY"
    assert every["map"]["places"] == []  # the corpus's Raqqa (163345) is no gazetteer id: no point
    assert [a["id"] for a in every["latest"]["articles"]][:3] == ["a000", "a001", "a002"]
    assert every["alerts"]["alerts"] == [
        {
            "id": "x1",
            "rule": "raqqa",
            "kind": "match",
            "article_id": "a001",
            "title": "<b>t</b>",
            "matched": "2026-01-01T00:00:00+00:00",
        }
    ]
    narrowed = data(client, range="1h", f="lang:ar", q="ISIS")["panels"]
    assert narrowed["total"]["value"] == sum(
        1 for a in recent() if a.language == "ar" and "Q2429253" in {t.id for t in a.tags}
    )
    assert data(client, range="15m")["panels"]["total"]["value"] == 30  # one every 20 s: 10 minutes
    earlier = {
        "range": "custom",
        "from": (utcnow() - timedelta(days=1)).isoformat(),
        "to": (utcnow() - timedelta(minutes=5)).isoformat(),
    }
    assert data(client, **earlier)["panels"]["total"]["value"] == sum(
        1 for i in range(30) if 20 * i + 5 > 300
    )


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/dashboards/geopolitical/data?range=2d", 400, "range must be one of"),
        ("/api/dashboards/geopolitical/data?q=lang:ar%20(", 400, "unbalanced parenthesis"),
        ("/api/dashboards/nope/data", 404, "no such dashboard"),
        ("/api/dashboards/geopolitical/live?q=colour:red", 400, "unknown filter"),
        ("/api/search/export?format=xlsx", 400, "format must be one of"),
        ("/articles/nope", 404, "no such article"),
        ("/stories/nope", 404, "no such story"),
    ],
)
def test_bad_requests_are_answered_with_the_reason(client, path, status, message):
    response = client.get(path)
    assert response.status_code == status and message in response.text


def test_tagged_cities_are_points_with_the_gazetteers_coordinates(client, store, lexicon):
    baghdad = lexicon.concepts["geonames:98182"]
    store.index(
        [
            Article(
                id="b1",
                text="Blast in Baghdad.",
                ingested_at=utcnow(),
                tags=[Tag(kind="place", id=baghdad.id, label="Baghdad", country="IQ")],
            )
        ]
    )
    places = data(client, range="1h")["panels"]["map"]["places"]
    assert places == [
        {
            "key": baghdad.id,
            "label": "Baghdad",
            "lat": baghdad.lat,
            "lon": baghdad.lon,
            "count": 1,
            "filter": f"place:{baghdad.id}",
        }
    ]


def test_live_articles_count_at_once_and_never_twice(client, store, live):
    fresh = Article(
        id="fresh1",
        title="Shelling in Aleppo",
        text="Artillery shelled Aleppo in Syria.",
        language="en",
        ingested_at=utcnow(),
        tags=[Tag(kind="place", id="SY", label="Syria")],
    )
    version = live.version
    live.on_message(fresh.id, fresh.to_json())
    assert live.version == version + 1
    after = data(client, range="1h")["panels"]
    assert after["total"]["value"] == 31 and after["latest"]["articles"][0]["id"] == "fresh1"
    store.index([fresh])  # the indexer catches up: still one article
    assert data(client, range="1h")["panels"]["total"]["value"] == 31
    live.on_message(None, b"not json")  # logged and skipped, never raised into the bus
    assert live.version == version + 1


def test_the_event_stream_pushes_new_articles(store, live, lexicon):
    server = AppServer(create_app(store, lexicon, live=live))
    try:
        with httpx.stream(
            "GET", server.url("/api/dashboards/geopolitical/live?range=15m"), timeout=10
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream.iter_lines())
            first = next(events)
            assert first["panels"]["total"]["value"] == 30
            arrived = Article(
                id="pushed", text="Talks on Yemen resume in Muscat.", ingested_at=utcnow()
            )
            live.on_message(arrived.id, arrived.to_json())
            second = next(events)
            assert second["panels"]["total"]["value"] == 31
            assert second["panels"]["latest"]["articles"][0]["id"] == "pushed"
    finally:
        server.close()


def _events(lines):
    kind = None
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind == "data":
            yield json.loads(line[6:])


def test_exports_stream_every_hit_in_each_format(client):
    rows = list(
        csv.reader(io.StringIO(client.get("/api/search/export", params={"format": "csv"}).text))
    )
    assert (
        rows[0][:3] == ["id", "date", "published_at"] and len(rows) == 31
    )  # every hit, not a page
    lines = client.get(
        "/api/search/export", params={"format": "jsonl", "q": "lang:ar"}
    ).text.splitlines()
    assert len(lines) == sum(1 for a in recent() if a.language == "ar") and all(
        Article.model_validate_json(line).language == "ar" for line in lines
    )
    response = client.get("/api/search/export", params={"format": "geojson", "q": "Raqqa OR Rakka"})
    assert response.headers["content-disposition"] == 'attachment; filename="rasad-export.geojson"'
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["features"]
    for feature in collection["features"]:
        assert feature["geometry"] == {"type": "Point", "coordinates": [39.01, 35.95]}
        assert feature["properties"]["place_id"] == "163345"


def test_csv_cells_never_become_spreadsheet_formulas(client, store):
    store.index(
        [
            Article(
                id="f1", title='=HYPERLINK("http://evil")', text="+1 -2 @cmd", ingested_at=utcnow()
            )
        ]
    )
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/search/export", params={"format": "csv", "q": "cmd"}).text)
        )
    )
    assert rows[0]["title"].startswith("'=") and rows[0]["text"].startswith("'+")


def test_search_export_on_the_command_line(tmp_path, stemmer):
    database = tmp_path / "cli.db"
    filled = SqliteStore(database, stemmer)
    filled.index(recent(25))
    filled.close()
    env = clean_env(RASAD_STORE=f"sqlite:///{database}", RASAD_DATA_DIR=str(tmp_path))
    out = rasad("search", "", "--export", "jsonl", env=env, check=True)
    assert len(out.stdout.decode().splitlines()) == 25
    target = tmp_path / "places.geojson"
    rasad(
        "search", "country:SY", "--export", "geojson", "--output", str(target), env=env, check=True
    )
    assert json.loads(target.read_text())["type"] == "FeatureCollection"


@pytest.fixture
def down(lexicon, stemmer):
    """The app on an OpenSearch store nobody listens at."""
    store = OpenSearchStore(
        parse_store(f"opensearch://127.0.0.1:{free_port()}"), stemmer, timeout=2
    )
    return Client(create_app(store, lexicon))


def test_a_store_that_is_down_is_a_message_not_a_500(down):
    assert down.get("/").status_code == 200  # the overview loads; its scripts show the problem
    page = down.get("/search?q=ISIS")
    assert (
        page.status_code == 503
        and "the search store is unavailable" in page.text
        and 'role="alert"' in page.text
    )
    api = down.get("/api/dashboards/geopolitical/data")
    assert api.status_code == 503 and "unavailable" in api.json()["error"]
    assert down.get("/api/search/export?format=csv").status_code == 503
    assert down.get("/api/health").status_code == 503


def test_the_charting_libraries_are_served_from_the_npm_packages(client):
    script = client.get("/vendor/echarts.min.js")
    assert script.status_code == 200 and b"echarts" in script.content[:2000]
    assert client.get("/vendor/countries-110m.json").json()["type"] == "Topology"
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/zrender.js").status_code == 404
    assert "margin-inline" in client.get("/assets/rasad.css").text


def test_the_interface_language_follows_the_browser_and_the_switch(client):
    arabic = client.get("/search", headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    english = client.get("/search?ui=en", headers={"Accept-Language": "ar"})
    assert (
        '<html lang="en" dir="ltr">' in english.text
        and "rasad_ui=en" in english.headers["set-cookie"]
    )
    assert (
        '<html lang="en" dir="ltr">'
        in client.get("/search", headers={"Accept-Language": "ar"}).text
    )  # remembered


def test_article_and_story_as_json(client):
    article = client.get("/api/articles/a003").json()
    assert article["id"] == "a003" and "normalized" not in article
    story = client.get(f"/api/stories/{article.get('story_id', 'a003')}").json()
    assert story["articles"][0]["id"] == "a003"


def test_store_time_axis_is_arrival(store, lexicon):
    old = Article(
        id="old",
        text="Archive piece about Raqqa.",
        published_at=datetime(2015, 1, 1, tzinfo=UTC),
        ingested_at=utcnow(),
    )
    store.index([old])
    client = Client(create_app(store, lexicon))
    assert (
        client.get("/api/dashboards/geopolitical/data?range=15m").json()["panels"]["total"]["value"]
        == 31
    )


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_search_pages_link_to_articles_and_page_through_every_hit(client, sort):
    seen = []
    for page in (1, 2):
        html = client.get("/search", params={"q": "country:SY", "sort": sort, "page": page}).text
        ids = [chunk.split('"', 1)[0] for chunk in html.split('href="/articles/')[1:]]
        seen += ids
        if page == 1:
            assert (
                f'rel="next" href="/search?q=country%3ASY&sort={sort}&interval=day&page=2"' in html
            )
    api = client.get("/api/search", params={"q": "country:SY", "sort": sort, "size": 100}).json()
    assert seen == [hit["id"] for hit in api["hits"]]  # same order, no repeats, none missing
    assert len(seen) == api["total"] > 20


def test_the_live_view_forgets_beyond_its_limit(stemmer, lexicon):
    small = Live(lambda: SqliteStore(Path(":memory:"), stemmer), limit=4)
    try:
        for i in range(5):
            a = Article(id=f"l{i}", text=f"Report {i} from Aleppo.", ingested_at=utcnow())
            small.on_message(a.id, a.to_json())
        board = create_app(SqliteStore(Path(":memory:"), stemmer), lexicon).state.boards[
            "geopolitical"
        ]
        ids, fresh = small.snapshot(request_for(board, view_from({}, [], "1h", utcnow()), lexicon))
        assert ids == {"l3", "l4"} and fresh.buckets["total"] == [("count", 2)]  # the newest half
    finally:
        small.close()
