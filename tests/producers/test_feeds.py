"""Feeds and fetching against a real HTTP server on 127.0.0.1: RSS,
Atom, summaries, and every failure.
"""

from __future__ import annotations

import pytest

from producers.corpus import SAMPLES
from producers.feeds import FeedPosition, FeedSource
from producers.fetch import Fetcher, FetchLimits
from rasad.errors import BadInput
from tests.helpers.network import slow

RSS = (SAMPLES / "feeds" / "wire.rss").read_bytes()
PAGE = (
    b"<html><head><title>Ceasefire talks</title></head><body><nav>Home | World | Sport</nav>\n"
    b"<article><h1>Ceasefire talks resume in Doha</h1>\n"
    b"<p>Egyptian, Qatari and American mediators met again in Doha on Monday to discuss a phased "
    b"ceasefire proposal.</p>\n"
    b"<p>Officials said the talks focused on the exchange of hostages and prisoners and on aid "
    b"deliveries to the north.</p>\n"
    b"<p>No date was set for the next round, a diplomat said, but the delegations agreed to stay "
    b"in contact.</p>\n"
    b"</article><footer>Copyright 2025</footer></body></html>"
)


def summary_atom(links: list[str]) -> bytes:
    entries = "".join(
        f"""<entry><title>Item {i}</title><link href="{link}"/><id>{link}</id>
        <updated>2025-03-01T10:00:00Z</updated><summary>Short summary {i}.</summary></entry>"""
        for i, link in enumerate(links)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
        <title>Summaries</title><id>urn:x</id><updated>2025-03-01T10:00:00Z</updated>{entries}</feed>""".encode()


@pytest.fixture
def fetcher():
    with Fetcher(FetchLimits(timeout=1.0, max_bytes=200_000, max_redirects=3)) as client:
        yield client


def test_rss_by_url_with_full_content_and_conditional_polling(http_server, fetcher):
    http_server.routes["/wire.rss"] = (
        200,
        {"Content-Type": "application/rss+xml", "ETag": '"v1"'},
        RSS,
    )
    source = FeedSource(http_server.url("/wire.rss"), fetcher)
    items = list(source.items())
    assert len(items) == RSS.count(b"<item>") and all(i.article for i in items)
    first = items[0].article
    assert first.url.startswith("https://") and first.published_at.tzinfo is not None
    assert first.byline and first.text.count("\n\n") >= 2 and "<p>" not in first.text
    assert source.position.etag == '"v1"'

    def not_modified(handler):
        assert handler.headers["If-None-Match"] == '"v1"'
        return 304, {}, b""

    http_server.routes["/wire.rss"] = not_modified
    again = FeedSource(http_server.url("/wire.rss"), fetcher, FeedPosition(source.location, '"v1"'))
    assert list(again.items()) == []


def test_summary_only_entries_fetch_their_page_and_failures_are_per_item(http_server, fetcher):
    http_server.routes.update(
        {
            "/article": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
            "/broken": (500, {}, b"oops"),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/slow": slow(3),
            "/huge": (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 300_000 + b"</p>"),
        }
    )
    links = [
        http_server.url(p) for p in ("/article", "/missing", "/broken", "/loop", "/slow", "/huge")
    ]
    links.append("ftp://files.example/story")
    http_server.routes["/feed.atom"] = (
        200,
        {"Content-Type": "application/atom+xml"},
        summary_atom(links),
    )
    items = list(FeedSource(http_server.url("/feed.atom"), fetcher).items())
    assert len(items) == 7
    article = items[0].article
    assert "phased ceasefire proposal" in article.text and "Copyright" not in article.text
    reasons = [i.error.reason for i in items[1:]]
    assert reasons == ["http_404", "http_500", "redirect_loop", "timeout", "too_large", "bad_url"]


def test_malformed_and_empty_feeds(http_server, fetcher, tmp_path):
    http_server.routes["/bad"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        b"{this is not] a feed <at all",
    )
    (item,) = list(FeedSource(http_server.url("/bad"), fetcher).items())
    assert item.error.reason == "bad_feed" and "malformed" in str(item.error)
    http_server.routes["/cut"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        b"<rss><channel><item><title>x</ti",
    )
    assert all(i.error is not None for i in FeedSource(http_server.url("/cut"), fetcher).items())
    path = tmp_path / "empty.rss"
    path.write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
    )
    (item,) = list(FeedSource(path, fetcher).items())
    assert item.error.reason == "bad_feed"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed", "javascript:alert(1)", "/relative"]
)
def test_only_http_urls_are_fetched(fetcher, url):
    with pytest.raises(BadInput) as info:
        fetcher.get(url)
    assert info.value.reason == "bad_url"


def test_redirect_to_another_scheme_is_refused(http_server, fetcher):
    http_server.routes["/away"] = (302, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(BadInput) as info:
        fetcher.get(http_server.url("/away"))
    assert info.value.reason == "bad_url"
