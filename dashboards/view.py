"""What a dashboard shows, as the URL says it: query, filters, time range (shareable state).

``?q=`` is the query, each ``?f=`` a filter added by clicking a chart or the map (``country:SY``),
``?range=`` one of 15m, 1h, 24h, 7d (relative to now, moving with it) or ``custom`` with
``from``/``to`` (ISO 8601). Everything a dashboard's panels read comes from one ``View``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rasad.errors import BadInput

RANGES = {"15m": 900, "1h": 3600, "24h": 86400, "7d": 7 * 86400}
# Bucket sizes a histogram may use; "auto" picks the smallest giving at most MAX_POINTS points.
STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400)
MAX_POINTS = 120
MAX_FILTERS = 20


@dataclass(frozen=True)
class View:
    """The query, the filters and the time range every panel of a page follows."""

    q: str
    filters: tuple[str, ...]
    range: str
    since: datetime
    until: datetime

    @property
    def text(self) -> str:
        """The query and the filters as one query-language text (filters are ANDed)."""
        parts = [f"({self.q})" if self.q.strip() else "", *self.filters]
        return " ".join(p for p in parts if p)

    @property
    def live(self) -> bool:
        """A relative range moves with the clock (and new articles update it)."""
        return self.range != "custom"

    def moved(self, now: datetime) -> View:
        """The same view at ``now`` (a relative range slides; a custom one stays)."""
        if not self.live:
            return self
        return View(self.q, self.filters, self.range, now - (self.until - self.since), now)


def view_from(
    params: Mapping[str, str], multi: list[str], default_range: str, now: datetime
) -> View:
    """The view a request's query string asks for; ``BadInput`` saying what is wrong."""
    q = params.get("q", "")
    filters = tuple(f.strip() for f in multi if f.strip())
    if len(filters) > MAX_FILTERS:
        raise BadInput(f"at most {MAX_FILTERS} filters", reason="bad_request")
    name = params.get("range", default_range)
    if name in RANGES:
        return View(q, filters, name, now - timedelta(seconds=RANGES[name]), now)
    if name != "custom":
        raise BadInput(
            f"range must be one of {', '.join(RANGES)} or custom (got {name!r})",
            reason="bad_request",
        )
    since, until = _instant(params.get("from", ""), "from"), _instant(params.get("to", ""), "to")
    if since >= until:
        raise BadInput("from must be before to", reason="bad_request")
    return View(q, filters, "custom", since, until)


def _instant(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(
            f"{name} must be an ISO 8601 date or time (got {value!r})", reason="bad_request"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def auto_interval(since: datetime, until: datetime) -> int:
    """The smallest step that draws the range in at most ``MAX_POINTS`` buckets."""
    span = (until - since).total_seconds()
    return next(
        (s for s in STEPS if span / s <= MAX_POINTS),
        STEPS[-1] * ((int(span) // (STEPS[-1] * MAX_POINTS)) + 1),
    )
