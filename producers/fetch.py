"""Fetching feeds and pages over HTTP without ever hanging.

Every fetch has a connect/read timeout and an overall deadline, a size cap (read as a stream,
cut off past the limit), a cap on redirects (so a redirect loop fails fast), and refuses any URL
that is not http(s), including redirects to one. Failures are ``BadInput`` with a reason code,
so a 404 or a timeout is one item's error and the run goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from rasad.errors import BadInput

USER_AGENT = "Rasad/0.1 (+news monitor; https://github.com/rasad)"


@dataclass(frozen=True)
class FetchLimits:
    """How long and how much a fetch may take."""

    timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """A fetched resource; ``not_modified`` when a conditional GET answered 304."""

    url: str
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False

    @property
    def charset(self) -> str | None:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"'").lower()
        return None


def check_url(url: str) -> str:
    """The URL if it is absolute http(s); raise ``BadInput`` (reason ``bad_url``) otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadInput(f"{url}: only http:// and https:// URLs are fetched", reason="bad_url")
    return url.strip()


class Fetcher:
    """A reusable HTTP client with Rasad's limits (close it, or use it as a context manager)."""

    def __init__(self, limits: FetchLimits | None = None):
        self.limits = limits or FetchLimits()
        self._client = httpx.Client(
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            timeout=httpx.Timeout(self.limits.timeout),
            headers={"User-Agent": USER_AGENT},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET ``url`` (conditionally when given an ETag / Last-Modified).

        Raise ``BadInput`` on failure.
        """
        url = check_url(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(
                        str(response.url), 304, headers=dict(response.headers), not_modified=True
                    )
                if response.status_code >= 400:
                    raise BadInput(
                        f"{url}: HTTP {response.status_code} {response.reason_phrase}",
                        reason=f"http_{response.status_code}",
                    )
                content = self._read(response, url)
                return Fetched(
                    str(response.url), response.status_code, content, dict(response.headers)
                )
        except httpx.TooManyRedirects as exc:
            raise BadInput(
                f"{url}: more than {self.limits.max_redirects} redirects (a redirect loop?)",
                reason="redirect_loop",
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise BadInput(
                f"{url}: redirected to a URL that is not http(s)", reason="bad_url"
            ) from exc
        except httpx.TimeoutException as exc:
            raise BadInput(
                f"{url}: timed out after {self.limits.timeout:g}s", reason="timeout"
            ) from exc
        except httpx.HTTPError as exc:
            raise BadInput(f"{url}: cannot fetch: {exc}", reason="unreachable") from exc

    def _read(self, response: httpx.Response, url: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise BadInput(
                f"{url}: {int(declared) / 2**20:.1f} MB, over the "
                f"{self.limits.max_bytes / 2**20:g} MB limit",
                reason="too_large",
            )
        # The read timeout bounds each chunk; the deadline bounds a server that drips bytes forever.
        deadline = time.monotonic() + 3 * self.limits.timeout
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise BadInput(
                    f"{url}: body over the {self.limits.max_bytes / 2**20:g} MB limit",
                    reason="too_large",
                )
            if time.monotonic() > deadline:
                raise BadInput(
                    f"{url}: still downloading after {3 * self.limits.timeout:g}s", reason="timeout"
                )
            chunks.append(chunk)
        return b"".join(chunks)
