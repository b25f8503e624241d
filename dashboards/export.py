"""Exports of a whole search: CSV, JSON Lines, or GeoJSON with one feature per tagged place.

Pure generators over articles (the store's ``scan``), yielding text in chunks of about
``CHUNK`` bytes so a web response or a file gets every hit, streamed, in flat memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from rasad.document import article_date, keyword_fields
from rasad.model import Article

CHUNK = 64 * 1024
COLUMNS = (
    "id", "date", "published_at", "ingested_at", "language", "source", "url", "title",
    "story_id", "countries", "actors", "events", "places", "text",
)  # fmt: skip
# A spreadsheet runs a cell beginning with one of these as a formula: such cells get a quote.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def _row(article: Article) -> list[str]:
    keys = keyword_fields(article)
    return [
        _cell(str(v))
        for v in (
            article.id,
            article_date(article) or "",
            article.published_at.isoformat() if article.published_at else "",
            article.ingested_at.isoformat() if article.ingested_at else "",
            keys["language"],
            article.source,
            article.url or "",
            article.title,
            article.story_id or article.id,
            ";".join(keys["countries"]),
            ";".join(keys["actors"]),
            ";".join(keys["events"]),
            ";".join(keys["places"]),
            article.text,
        )
    ]


def csv_lines(articles: Iterable[Article]) -> Iterator[str]:
    """A header, then one RFC 4180 row per article (list fields joined by ``;``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for article in articles:
        writer.writerow(_row(article))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(articles: Iterable[Article]) -> Iterator[str]:
    """One article per line, as the message contract has it (tags with spans and codes)."""
    for article in articles:
        line = article.model_dump_json(exclude={"raw", "normalized"}, exclude_none=True)
        yield line + "\n"


def features(article: Article) -> Iterator[dict]:
    """A GeoJSON Feature per tagged place with coordinates (a city), the article in properties."""
    keys = keyword_fields(article)
    for tag in article.tags:
        if tag.kind != "place" or tag.lat is None or tag.lon is None:
            continue
        yield {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [tag.lon, tag.lat]},
            "properties": {
                "article_id": article.id,
                "title": article.title,
                "url": article.url,
                "source": article.source,
                "language": keys["language"],
                "date": article_date(article),
                "story_id": article.story_id or article.id,
                "place_id": tag.id,
                "place": tag.label,
                "country": tag.country,
                "events": keys["events"],
                "actors": keys["actors"],
            },
        }


def geojson_lines(articles: Iterable[Article]) -> Iterator[str]:
    """A FeatureCollection written feature by feature (valid JSON once the stream ends)."""
    yield '{"type": "FeatureCollection", "features": [\n'
    first = True
    for article in articles:
        for feature in features(article):
            yield ("" if first else ",\n") + json.dumps(feature, ensure_ascii=False)
            first = False
    yield "\n]}\n"


FORMATS: dict[str, tuple[str, Callable[[Iterable[Article]], Iterator[str]]]] = {
    "csv": ("text/csv; charset=utf-8", csv_lines),
    "jsonl": ("application/x-ndjson; charset=utf-8", jsonl_lines),
    "geojson": ("application/geo+json; charset=utf-8", geojson_lines),
}


def chunks(lines: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """``lines`` joined into pieces of about ``size`` characters (fewer, larger writes)."""
    pending: list[str] = []
    length = 0
    for line in lines:
        pending.append(line)
        length += len(line)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)
