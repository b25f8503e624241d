"""Article objects as JSON: the documented contract shared by JSONL/NDJSON files and HTTP push.

An object needs ``text`` (alias ``body`` / ``content``); ``title``, ``url`` (alias ``link``),
``source``, ``subtitle``, ``byline``, ``language`` and ``published_at`` (alias ``published`` /
``date``, ISO 8601 or any date a news site writes) are optional. See docs/producers.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from producers.dates import parse_date
from producers.sources import Item
from rasad import payload
from rasad.errors import BadInput
from rasad.model import Article

_ALIASES = {
    "body": "text",
    "content": "text",
    "link": "url",
    "published": "published_at",
    "date": "published_at",
    "headline": "title",
    "author": "byline",
}
_STRINGS = ("id", "source", "url", "title", "subtitle", "byline", "text", "language")


def article_from_obj(obj: object, source: str = "", reference: datetime | None = None) -> Article:
    """Validate one decoded JSON object; raise ``BadInput`` saying what is wrong with it."""
    if not isinstance(obj, dict):
        raise BadInput(
            f"expected a JSON object, got {type(obj).__name__}", reason="invalid_article"
        )
    fields = {
        _ALIASES.get(k, k): v for k, v in obj.items() if k not in _ALIASES or _ALIASES[k] not in obj
    }
    for name in _STRINGS:
        if name in fields and fields[name] is not None and not isinstance(fields[name], str):
            raise BadInput(
                f"field {name!r} must be a string, got {type(fields[name]).__name__}",
                reason="invalid_article",
            )
    text, title = (fields.get("text") or "").strip(), (fields.get("title") or "").strip()
    if not text:
        missing = "no title and no text" if not title else "no text (title only)"
        raise BadInput(f"article has {missing}: 'text' is required", reason="missing_text")
    published = fields.get("published_at")
    if isinstance(published, str) and published.strip():
        parsed = parse_date(published, reference)
        if parsed is None:
            raise BadInput(f"published_at {published!r} is not a date", reason="invalid_date")
        fields["published_at"] = parsed
    elif published is not None and not isinstance(published, str):
        raise BadInput("published_at must be a date string", reason="invalid_date")
    else:
        fields.pop("published_at", None)
    fields.setdefault("source", source)
    fields["text"], fields["title"] = text, title
    fields.pop("tags", None)  # tags are the processors' to set
    return Article.from_obj(fields)


def read_jsonl(text: str, origin: str, source: str = "") -> Iterator[Item]:
    """One item per non-blank line; a bad line is an error item naming its line number."""
    # Lines end at "\n" only: str.splitlines() also splits at U+2028, U+0085 and other
    # separators a valid JSON string may hold unescaped, cutting an article in two.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        raw = line.encode("utf-8", "replace")
        try:
            obj = payload.decode(line)
        except BadInput as exc:
            yield Item(where, error=BadInput(f"{where}: {exc}", reason=exc.reason), raw=raw)
            continue
        try:
            article = article_from_obj(obj, source)
        except BadInput as exc:
            yield Item(where, error=BadInput(f"{where}: {exc}", reason=exc.reason), raw=raw)
            continue
        yield Item(where, article=article.model_copy(update={"raw": article.raw or line}), raw=raw)
