"""``/api/search`` and the alert rule parser under generated hostile queries: never a 5xx.

Every engine (SQLite here, OpenSearch on the stack) gets the same generated queries and
parameters; a bad one is a 400 with a message, anything else a 200.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import wiring
from alerts.rules import new_rule
from dashboards.app import create_app
from rasad import concepts
from rasad.errors import BadInput
from tests.helpers.asgi import Client
from tests.helpers.engines import ENGINES, engine_settings
from tests.indexers.corpus import corpus

_PIECES = [
    "(", ")", '"', "NOT ", "OR ", "AND ", "-", "+", "&&", "||", "ISIS ", "داعش ", "lang:ar ",
    "country:SY ", "since:2015-09-01 ", "until:2015 ", "since:", "colour:red ", "type: ", "*",
    "\\", "?", "~", "^", "/", ":", "{", "[", "]", "}", "\u202e", "\x00", "\x07", "🙂", "ﻻ ",
    "https://x.example/a?b=c ", "story:abc ", "concept:Q2429253 ", "' OR 1=1 --",
    "<script>", "%", "%ED%A0%80", " ",
]  # fmt: skip
queries = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    st.text(max_size=200),
    st.tuples(st.sampled_from(_PIECES), st.integers(100, 6000)).map(lambda p: p[0] * p[1]),
    st.integers(1, 3000).map(lambda n: " OR ".join(f"w{i}" for i in range(n))),
)
numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "x", "1e9", "0x10", "١"])
)


@pytest.fixture(scope="module", params=ENGINES)
def client(request, tmp_path_factory):
    settings_ = engine_settings(request.param, tmp_path_factory.mktemp("fuzz"), request)
    words = concepts.load()
    store = wiring.open_store(settings_, words, setup=True)
    store.index(corpus())
    store.refresh()
    yield Client(create_app(store, words))
    store.close()


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    q=queries,
    page=numbers,
    size=numbers,
    sort=st.sampled_from(["relevance", "date", "x", ""]),
    interval=st.sampled_from(["day", "week", "month", "year", ""]),
)
def test_search_never_answers_a_server_error(client, q, page, size, sort, interval):
    url = (
        f"/api/search?q={quote(q, safe='%', errors='surrogatepass')}&page={quote(page)}"
        f"&size={quote(size)}&sort={sort}&interval={interval}"
    )
    assume(len(url) < 60_000)  # what an HTTP client sends at most (httpx refuses longer)
    response = client.get(url)
    assert response.status_code in (200, 400), (url[:300], response.text[:500])
    if response.status_code == 400:
        assert response.json()["error"]
    page_html = client.get(url.replace("/api/search", "/", 1))
    assert page_html.status_code in (200, 400), (url[:300], page_html.text[:300])


@settings(max_examples=400, deadline=None)
@given(q=queries)
def test_the_alert_rule_parser_refuses_with_bad_input_only(q):
    try:
        new_rule({"name": "fuzz", "query": q}, concepts.load())
    except BadInput as exc:
        refusal = str(exc)
    else:
        refusal = "accepted"
    assert refusal  # a refusal says why; any other exception fails the test
