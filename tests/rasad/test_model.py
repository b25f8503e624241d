"""The one schema: ids, validation, the JSON that Kafka carries."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rasad.errors import BadInput
from rasad.model import Article, article_id, canonical_url


def test_bare_title_and_text_is_an_article_with_a_stable_id():
    a = Article.from_json('{"title": "Airstrike near Raqqa", "text": "Warplanes struck."}')
    b = Article.from_json('{"title": "Airstrike  near Raqqa", "text": "warplanes   struck"}')
    assert len(a.id) == 16 and int(a.id, 16) >= 0
    assert a.id == b.id  # same normalized text, same id
    assert Article.from_json(a.to_json()) == a


def test_arabic_variants_of_the_same_text_share_an_id():
    plain = article_id(None, "", "قال بوتين إن داعش")
    marked = article_id(None, "", "قالَ بوتيـــن إنّ داعش")
    assert plain == marked


def test_url_gives_the_id_and_tracking_parameters_do_not_matter():
    a = article_id("https://Example.com/news/1/?utm_source=x&b=2&a=1#top", "t", "x")
    b = article_id("https://example.com/news/1?a=1&b=2", "other title", "other text")
    assert a == b
    assert canonical_url("HTTPS://Example.com/a/?utm_medium=m") == "https://example.com/a"


@pytest.mark.parametrize(
    ("raw", "reason", "words"),
    [
        (b"not json", "not_json", "not JSON"),
        (b"\xff\xfe\x00", "not_json", "not JSON"),
        (b'["a list"]', "invalid_article", "not an object"),
        (b'{"title": "only a title"}', "invalid_article", "text: Field required"),
        (b'{"text": "   "}', "invalid_article", "text is empty"),
        (b'{"text": "x", "published_at": "2015-10-01T10:00:00"}', "invalid_article", "timezone"),
    ],
)
def test_bad_messages_say_what_is_wrong(raw, reason, words):
    with pytest.raises(BadInput) as caught:
        Article.from_json(raw)
    assert caught.value.reason == reason
    assert words in str(caught.value)


def test_body_is_what_spans_point_into():
    a = Article(title="T", text="body")
    assert a.body == "T\n\nbody"
    assert Article(text="only").body == "only"


@given(st.text(min_size=1).filter(lambda t: t.strip()), st.text())
def test_any_text_round_trips_through_json(text, title):
    article = Article(title=title, text=text)
    again = Article.from_json(article.to_json())
    assert again.text == text and again.id == article.id
    json.loads(article.to_json())


def test_a_date_that_cannot_be_placed_in_utc_is_invalid_input():
    with pytest.raises(BadInput) as caught:
        Article.from_json(b'{"text": "x", "published_at": "0001-01-01T00:30:00+01:00"}')
    assert caught.value.reason == "invalid_article" and "UTC" in str(caught.value)
