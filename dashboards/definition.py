"""Dashboards as data: a dashboard is a YAML file of panels, each an aggregation and a chart.

A panel is one of ``date_histogram`` (one series, or one per concept id in ``series``),
``terms`` (the top values of a keyword field), ``geo`` (countries shaded by count, tagged places
as points), ``metric`` (a count), ``search`` (the newest matching articles: a saved-search
table or a live feed) and ``alerts`` (the latest alerts, read-only). Every panel may narrow the
dashboard's selection by a ``filter`` in the query language. Rasad ships the dashboards in
``shipped/``; a user adds one by dropping a ``.yaml`` file in ``RASAD_DASHBOARDS_DIR`` (a file
with the id of a shipped one replaces it). A bad file is refused with an error naming the file
and the panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rasad.concepts import Lexicon
from rasad.document import TERMS_FIELDS
from rasad.errors import BadInput, ConfigError
from rasad.query import parse
from rasad.store import TimeField

SHIPPED = Path(__file__).with_name("shipped")
DEFAULT = "geopolitical"
PanelKind = Literal["date_histogram", "terms", "geo", "metric", "search", "alerts"]
Chart = Literal["line", "area", "bar", "pie", "table", "map", "number", "feed"]
# The charts each kind of panel can be drawn as; the first is its default.
CHARTS: dict[str, tuple[str, ...]] = {
    "date_histogram": ("bar", "line", "area"),
    "terms": ("bar", "pie", "table"),
    "geo": ("map",),
    "metric": ("number",),
    "search": ("feed", "table"),
    "alerts": ("feed",),
}
RANGES = ("15m", "1h", "24h", "7d")
_ID = r"^[a-z0-9][a-z0-9_-]{0,40}$"


class Panel(BaseModel):
    """One aggregation of a dashboard and how it is drawn."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID, description="Unique in its dashboard; the key of its data.")
    title: str
    title_ar: str | None = Field(None, description="The title in the Arabic interface.")
    kind: PanelKind
    chart: Chart | None = None
    field: str | None = Field(None, description="terms: the keyword field counted.")
    size: int = Field(10, ge=1, le=200, description="terms: buckets; search/alerts: rows.")
    interval: str = Field("auto", description="date_histogram: auto, or 1m, 5m, 15m, 1h, 1d.")
    series: list[str] = Field(
        default_factory=list, description="date_histogram: one line per concept id (any language)."
    )
    filter: str = Field("", description="Query-language filter narrowing this panel only.")
    width: Literal[1, 2, 3] = Field(1, description="Columns the panel spans (of 3).")

    @model_validator(mode="after")
    def _consistent(self) -> Panel:
        allowed = CHARTS[self.kind]
        if self.chart is None:
            self.chart = allowed[0]  # type: ignore[assignment]
        elif self.chart not in allowed:
            raise ValueError(
                f"a {self.kind} panel is drawn as {' or '.join(allowed)}, not {self.chart}"
            )
        if self.kind == "terms" and self.field not in TERMS_FIELDS:
            raise ValueError(f"field must be one of {', '.join(TERMS_FIELDS)} (got {self.field!r})")
        if self.kind != "terms" and self.field is not None:
            raise ValueError(f"only terms panels have a field ({self.kind} has {self.field!r})")
        if self.series and self.kind != "date_histogram":
            raise ValueError("only date_histogram panels have series")
        if self.interval != "auto" and interval_seconds(self.interval) is None:
            raise ValueError(f"interval must be auto or one of {', '.join(INTERVALS)}")
        return self


class Dashboard(BaseModel):
    """A titled grid of panels over one query, one time field and a default time range."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    title: str
    title_ar: str | None = None
    description: str = ""
    time_field: TimeField = Field(
        "ingested_at", description="ingested_at (arrival: live views) or date (published)."
    )
    range: Literal["15m", "1h", "24h", "7d"] = "1h"
    query: str = ""
    panels: list[Panel] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_panels(self) -> Dashboard:
        seen: set[str] = set()
        for panel in self.panels:
            if panel.id in seen:
                raise ValueError(f"two panels have the id {panel.id!r}")
            seen.add(panel.id)
        return self


INTERVALS = {"1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "1d": 86400}


def interval_seconds(name: str) -> int | None:
    """Seconds of a named interval (``1m`` … ``1d``), None for an unknown name."""
    return INTERVALS.get(name)


def load(folder: Path | None, lexicon: Lexicon) -> dict[str, Dashboard]:
    """The shipped dashboards, then the user's from ``folder`` (same id: the user's wins), by id.

    Raises ``ConfigError`` naming the file (and the panel) of the first bad one.
    """
    files = sorted(SHIPPED.glob("*.yaml"))
    if folder is not None:
        if not folder.is_dir():
            raise ConfigError(f"dashboards folder {folder} does not exist")
        files += sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    boards: dict[str, Dashboard] = {}
    for path in files:
        board = load_file(path, lexicon)
        boards[board.id] = board
    return boards


def load_file(path: Path, lexicon: Lexicon) -> Dashboard:
    """One dashboard file; ``ConfigError`` saying which file, which panel and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"dashboard {path}: cannot read it: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"dashboard {path}: expected a mapping with id, title and panels")
    try:
        board = Dashboard.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"dashboard {path}: {_explain(exc, data)}") from exc
    for panel in board.panels:
        _check_queries(path, board, panel, lexicon)
    return board


def _explain(exc: ValidationError, data: dict) -> str:
    """The first validation problem, with the panel it is in named by its id (or position)."""
    error = exc.errors()[0]
    where = list(error["loc"])
    prefix = ""
    if len(where) >= 2 and where[0] == "panels" and isinstance(where[1], int):
        panels = data.get("panels") or []
        entry = panels[where[1]] if where[1] < len(panels) else {}
        name = entry.get("id") if isinstance(entry, dict) else None
        prefix = f"panel {name!r}" if name else f"panel #{where[1] + 1}"
        where = where[2:]
    field = ".".join(str(w) for w in where)
    message = error["msg"].removeprefix("Value error, ")
    return ", ".join(x for x in (prefix, field) if x) + f": {message}"


def _check_queries(path: Path, board: Dashboard, panel: Panel, lexicon: Lexicon) -> None:
    try:
        parse(board.query, lexicon)
        parse(panel.filter, lexicon)
    except BadInput as exc:
        raise ConfigError(f"dashboard {path}: panel {panel.id!r}: filter: {exc}") from exc
    unknown = [c for c in panel.series if c not in lexicon.concepts]
    if unknown:
        raise ConfigError(
            f"dashboard {path}: panel {panel.id!r}: series: unknown concept id {unknown[0]!r}"
        )
