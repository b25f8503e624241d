"""RSS 2.0 and Atom feeds, by URL or file (feedparser).

Polled by URL, a feed is fetched conditionally (ETag / Last-Modified remembered in the state
store), so an unchanged feed costs one 304. An entry carrying its full content is used as is;
an entry with only a summary gets its linked page fetched and the article text extracted
(trafilatura). A page that cannot be fetched is that entry's error; the other entries go on.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser

from producers.charset import MAX_BYTES, decode
from producers.dates import parse_date
from producers.fetch import Fetcher, check_url
from producers.sources import Item
from rasad.errors import BadInput
from rasad.model import Article, article_id

FEED_SUFFIXES = (".rss", ".atom", ".xml")
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr)\s*>")
_TAG = re.compile(r"<[^>]+>")
_SUMMARY_ONLY_CHARS = 600  # a summary longer than this is treated as the article itself


@dataclass
class FeedPosition:
    """Where a polled feed was left: the validators for the next conditional GET."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


class FeedSource:
    """The entries of one feed (URL or file).

    ``already_sent(id)`` skips entries before any page fetch.
    """

    def __init__(
        self,
        location: str | Path,
        fetcher: Fetcher,
        position: FeedPosition | None = None,
        already_sent: Callable[[str], bool] = lambda _id: False,
    ):
        self.location = str(location)
        self.fetcher = fetcher
        self.position = position or FeedPosition(self.location)
        self.already_sent = already_sent

    def items(self) -> Iterator[Item]:
        try:
            data = self._load()
        except BadInput as exc:
            yield Item(self.location, error=exc)
            return
        if data is None:
            return  # 304: nothing new
        yield from self._entries(data)

    def _load(self) -> bytes | None:
        if "://" in self.location:
            check_url(self.location)
        else:
            path = Path(self.location)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise BadInput(f"{path}: cannot read: {exc.strerror}", reason="unreadable") from exc
            if len(data) > MAX_BYTES:
                raise BadInput(
                    f"{path}: {len(data) / 2**20:.1f} MB, over the {MAX_BYTES / 2**20:g} MB limit",
                    reason="too_large",
                )
            return data
        fetched = self.fetcher.get(self.location, self.position.etag, self.position.last_modified)
        if fetched.not_modified:
            return None
        self.position = FeedPosition(
            self.location, fetched.headers.get("etag"), fetched.headers.get("last-modified")
        )
        return fetched.content

    def _entries(self, data: bytes) -> Iterator[Item]:
        parsed = feedparser.parse(data)
        if not parsed.entries:
            problem = getattr(parsed, "bozo_exception", None)
            reason = f"malformed feed: {problem}" if parsed.bozo else "feed has no entries"
            yield Item(
                self.location,
                error=BadInput(f"{self.location}: {reason}", reason="bad_feed"),
                raw=data[:65536],
            )
            return
        source = (
            parsed.feed.get("title") or urlsplit(self.location).netloc or Path(self.location).stem
        )
        for number, entry in enumerate(parsed.entries, start=1):
            origin = f"{self.location}#{entry.get('id') or entry.get('link') or number}"
            raw = json.dumps(entry, default=str, ensure_ascii=False)
            if entry.get("link") and self.already_sent(article_id(entry.link, "", "")):
                continue
            try:
                article = self._article(entry, source, raw)
            except BadInput as exc:
                yield Item(
                    origin, error=BadInput(f"{origin}: {exc}", reason=exc.reason), raw=raw.encode()
                )
                continue
            yield Item(origin, article=article, raw=raw.encode())

    def _article(self, entry, source: str, raw: str) -> Article:
        title = html_text(entry.get("title", ""))
        link = entry.get("link") or None
        contents = [c.get("value", "") for c in entry.get("content", [])]
        text = html_text(max(contents, key=len)) if contents else ""
        summary = html_text(entry.get("summary", ""))
        if not text and link and len(summary) < _SUMMARY_ONLY_CHARS:
            text = self._page_text(link)
        text = text or summary
        if not text:
            raise BadInput("entry has no text, summary or link", reason="missing_text")
        return Article(
            source=source,
            url=link,
            title=title,
            text=text,
            byline=entry.get("author") or None,
            published_at=entry_date(entry),
            raw=raw,
        )

    def _page_text(self, url: str) -> str:
        import trafilatura

        fetched = self.fetcher.get(url)
        page = (
            decode(fetched.content, url)
            if fetched.charset is None
            else fetched.content.decode(fetched.charset, "replace")
        )
        text = trafilatura.extract(
            page, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
        if not text or not text.strip():
            raise BadInput(
                f"{url}: no article text found on the linked page", reason="no_article_text"
            )
        return text.strip()


def entry_date(entry) -> datetime | None:
    """The entry's publication (else update) time, timezone-aware."""
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    for key in ("published", "updated"):
        if entry.get(key):
            return parse_date(entry[key])
    return None


def html_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element."""
    text = _TAG.sub("", _BLOCK_END.sub("\n\n", fragment or ""))
    paragraphs = (" ".join(p.split()) for p in html.unescape(text).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
