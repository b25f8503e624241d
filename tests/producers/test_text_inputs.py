"""Dates, charsets and the JSON article contract: the parsers every source shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.charset import decode
from producers.dates import parse_date
from producers.files import read_file
from producers.jsonl import article_from_obj
from rasad.errors import BadInput

REFERENCE = datetime(2015, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "الخامس من أكتوبر/ تشرين الأول",
            datetime(2014, 10, 5, tzinfo=UTC),
        ),  # no year: the last one before
        ("الحادي والعشرين من كانون الثاني/ يناير 2024", datetime(2024, 1, 21, tzinfo=UTC)),
        (
            "نشر في: الخميس ٣ أكتوبر ٢٠٢٤ - ١٤:٣٠",
            datetime(2024, 10, 3, 14, 30, tzinfo=UTC),
        ),
        ("الأحد 12 أيار (مايو) 2024م", datetime(2024, 5, 12, tzinfo=UTC)),
        ("Published: 3 October 2024 14:30 GMT", datetime(2024, 10, 3, 14, 30, tzinfo=UTC)),
        ("Publié le 12 mars 2025 à 10h15", datetime(2025, 3, 12, 10, 15, tzinfo=UTC)),
        ("Опубликовано: 3 марта 2024, 12:00", datetime(2024, 3, 3, 12, 0, tzinfo=UTC)),
        ("Yayınlanma: 26 Mart 2025 19:59", datetime(2025, 3, 26, 19, 59, tzinfo=UTC)),
        ("2024-10-03T12:00:00+03:00", datetime(2024, 10, 3, 9, 0, tzinfo=UTC)),
    ],
)
def test_dates_in_every_language(text, expected):
    parsed = parse_date(text, REFERENCE)
    assert parsed == expected and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["وقال الوزير إن الحكومة ستواصل", "hello world", ""])
def test_not_a_date(text):
    assert parse_date(text, REFERENCE) is None


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_parse_date_is_aware_or_none(text):
    parsed = parse_date(text, REFERENCE)
    assert parsed is None or parsed.tzinfo is not None


def test_windows_1256_file_is_decoded(tmp_path):
    page = (
        "الأمم المتحدة تحذر من نقص المساعدات\n\nنشر في: 3 أكتوبر 2024\n\n"
        "قالت الأمم المتحدة إن نقص التمويل يهدد بإغلاق مراكز صحية في شمال غرب سوريا خلال الأسابيع "
        "المقبلة.\n"
    )
    path = tmp_path / "cp1256.txt"
    path.write_bytes(page.encode("cp1256"))
    (item,) = list(read_file(path))
    assert item.article.title == "الأمم المتحدة تحذر من نقص المساعدات"
    assert item.article.text.startswith("قالت الأمم المتحدة إن نقص التمويل")
    assert item.article.published_at == datetime(2024, 10, 3, tzinfo=UTC)


def test_short_cp1256_arabic_is_not_mistaken_for_another_charset():
    for text in ("سوريا", "غارة على إدلب", "قصف في حلب اليوم"):
        assert decode(text.encode("cp1256"), "t") == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ],
)
def test_bad_bytes(data, reason):
    with pytest.raises(BadInput) as info:
        decode(data, "t")
    assert info.value.reason == reason


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(5 * 1024 * 1024 + 1)
    (item,) = list(read_file(path))
    assert item.error.reason == "too_large" and "5 MB" in str(item.error)


def test_json_article_contract():
    article = article_from_obj(
        {
            "headline": "Talks resume",
            "body": "Delegates met in Geneva on Monday.",
            "link": "https://news.example/a?utm_source=x",
            "date": "3 October 2024",
        }
    )
    assert (article.title, article.text) == ("Talks resume", "Delegates met in Geneva on Monday.")
    assert article.published_at == datetime(2024, 10, 3, tzinfo=UTC)
    assert article.id == article_from_obj({"url": "https://news.example/a", "text": "other"}).id


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"title": "only a title"}, "missing_text"),
        ({}, "missing_text"),
        ([1, 2], "invalid_article"),
        ({"text": "x", "published_at": "not a date at all"}, "invalid_date"),
        ({"text": 5}, "invalid_article"),
    ],
)
def test_json_article_rejected(obj, reason):
    with pytest.raises(BadInput) as info:
        article_from_obj(obj)
    assert info.value.reason == reason
