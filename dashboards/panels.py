"""A dashboard's panels as store aggregations, and their answers as the JSON the page draws.

Pure functions: ``request_for`` builds one ``AggregationRequest`` for every panel of a dashboard
under a ``View``; ``merge`` adds what a live view has just seen on the bus to what the store
answered; ``panels_json`` shapes the answer per panel (labels in the interface language,
countries with their ISO numeric code for the map, places with coordinates).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pycountry

from dashboards.definition import Dashboard, Panel, interval_seconds
from dashboards.i18n import concept_label, direction, language_name
from dashboards.view import View, auto_interval
from rasad.concepts import Lexicon
from rasad.document import article_date
from rasad.model import Article
from rasad.query import And, Filter, Node, canonical_filter, parse
from rasad.store import (
    Aggregated,
    Aggregation,
    AggregationRequest,
    Count,
    DateHistogram,
    Latest,
    Terms,
)

COUNTRIES_SHOWN = 250  # every country: the map shades them all
SNIPPET = 240


def interval_of(panel: Panel, view: View) -> int:
    """The bucket size of a histogram panel in this view (``auto``: from the range)."""
    fixed = interval_seconds(panel.interval)
    return fixed or auto_interval(view.since, view.until)


def aggregations(board: Dashboard, view: View, lexicon: Lexicon) -> dict[str, Aggregation]:
    """The named aggregations behind every panel (``panel`` or ``panel/part``)."""
    out: dict[str, Aggregation] = {}
    for panel in board.panels:
        narrowing = parse(panel.filter, lexicon).root if panel.filter else None
        if panel.kind == "metric":
            out[panel.id] = Count(narrowing)
        elif panel.kind == "terms":
            assert panel.field is not None  # the definition requires it
            out[panel.id] = Terms(panel.field, panel.size, narrowing)
        elif panel.kind == "geo":
            out[f"{panel.id}/countries"] = Terms("countries", COUNTRIES_SHOWN, narrowing)
            out[f"{panel.id}/places"] = Terms("places", panel.size, narrowing)
        elif panel.kind == "search":
            out[panel.id] = Latest(panel.size, narrowing)
        elif panel.kind == "date_histogram":
            seconds = interval_of(panel, view)
            for series in panel.series or [""]:
                out[f"{panel.id}/{series}"] = DateHistogram(seconds, _series(series, narrowing))
    return out


def _series(concept: str, narrowing: Node | None) -> Node | None:
    if not concept:
        return narrowing
    mention = Filter("concept", canonical_filter("concept", concept))
    return mention if narrowing is None else And((narrowing, mention))


def request_for(
    board: Dashboard, view: View, lexicon: Lexicon, exclude: frozenset[str] = frozenset()
) -> AggregationRequest:
    """One request for every panel of ``board`` under ``view`` (``BadInput`` for a bad query)."""
    text = " ".join(f"({t})" for t in (board.query, view.text) if t.strip())
    return AggregationRequest(
        parse(text, lexicon),
        aggregations(board, view, lexicon),
        time_field=board.time_field,
        since=view.since,
        until=view.until,
        exclude=exclude,
    )


def merge(main: Aggregated, fresh: Aggregated, request: AggregationRequest) -> Aggregated:
    """``main`` plus ``fresh`` (disjoint sets of articles), aggregation by aggregation."""
    out = Aggregated(took_ms=main.took_ms + fresh.took_ms)
    for name, agg in request.aggregations.items():
        if isinstance(agg, Latest):
            seen = {a.id: a for a in main.articles.get(name, [])}
            seen.update({a.id: a for a in fresh.articles.get(name, [])})
            newest = sorted(seen.values(), key=lambda a: _when(a, request), reverse=True)
            out.articles[name] = newest[: agg.size]
            continue
        counts: Counter[str] = Counter(dict(main.buckets.get(name, [])))
        counts.update(dict(fresh.buckets.get(name, [])))
        if isinstance(agg, Terms):
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            out.buckets[name] = ranked[: agg.size]
        elif isinstance(agg, DateHistogram):
            out.buckets[name] = sorted(counts.items())
        else:
            out.buckets[name] = [("count", counts["count"])]
    return out


def _when(article: Article, request: AggregationRequest) -> str:
    if request.time_field == "ingested_at":
        return article.ingested_at.isoformat() if article.ingested_at else ""
    return article_date(article) or ""


def panels_json(
    board: Dashboard,
    view: View,
    result: Aggregated,
    lexicon: Lexicon,
    ui: str,
    alerts: list[dict[str, Any]],
) -> dict[str, Any]:
    """Every panel's data, by panel id, as the page's charts read it."""
    return {p.id: _panel(p, view, result, lexicon, ui, alerts) for p in board.panels}


def _panel(
    panel: Panel,
    view: View,
    result: Aggregated,
    lexicon: Lexicon,
    ui: str,
    alerts: list[dict[str, Any]],
) -> dict[str, Any]:
    b = result.buckets
    if panel.kind == "metric":
        return {"value": b[panel.id][0][1]}
    if panel.kind == "terms":
        assert panel.field is not None
        return {"buckets": [_term(panel.field, k, n, lexicon, ui) for k, n in b[panel.id]]}
    if panel.kind == "geo":
        return {
            "countries": [_country(k, n, lexicon, ui) for k, n in b[f"{panel.id}/countries"]],
            "places": _places(b[f"{panel.id}/places"], lexicon, ui),
        }
    if panel.kind == "search":
        return {"articles": [card(a, lexicon, ui) for a in result.articles[panel.id]]}
    if panel.kind == "alerts":
        return {"alerts": [_alert(a) for a in alerts[: panel.size]]}
    return {
        "interval": interval_of(panel, view),
        "series": [
            {
                "id": s or "all",
                "label": concept_label(lexicon, s, ui) if s else panel.title,
                "points": b[f"{panel.id}/{s}"],
            }
            for s in panel.series or [""]
        ],
    }


# terms field -> the query-language filter a click on one of its bars adds
FILTER_OF = {
    "language": "lang",
    "source": "source",
    "countries": "country",
    "concepts": "concept",
    "events": "type",
    "actors": "actor",
    "places": "place",
}


def _term(field: str, key: str, count: int, lexicon: Lexicon, ui: str) -> dict[str, Any]:
    if field == "language":
        label = language_name(key, ui)
    elif field == "source":
        label = key
    else:
        label = concept_label(lexicon, key, ui)
    value = f'"{key}"' if field == "source" else key
    return {"key": key, "label": label, "count": count, "filter": f"{FILTER_OF[field]}:{value}"}


def _country(code: str, count: int, lexicon: Lexicon, ui: str) -> dict[str, Any]:
    country = pycountry.countries.get(alpha_2=code)
    return {
        "key": code,
        "numeric": country.numeric if country else None,
        "label": concept_label(lexicon, code, ui),
        "count": count,
        "filter": f"country:{code}",
    }


def _places(buckets: list[tuple[str, int]], lexicon: Lexicon, ui: str) -> list[dict[str, Any]]:
    """Tagged places with coordinates (cities); a country as a place is shaded, not a point."""
    out = []
    for key, count in buckets:
        concept = lexicon.concepts.get(key)
        if concept is None or concept.lat is None or concept.lon is None:
            continue
        out.append(
            {
                "key": key,
                "label": concept_label(lexicon, key, ui),
                "lat": concept.lat,
                "lon": concept.lon,
                "count": count,
                "filter": f"place:{key}",
            }
        )
    return out


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) (a ``javascript:`` or ``data:`` link is never rendered as one)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def card(article: Article, lexicon: Lexicon, ui: str) -> dict[str, Any]:
    """An article as a feed card or a result row: text fields as data, never as markup."""
    return {
        "id": article.id,
        "title": article.title or article.text[:80],
        "source": article.source,
        "url": safe_url(article.url),
        "language": article.language or "und",
        "dir": direction(article.language),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "ingested_at": article.ingested_at.isoformat() if article.ingested_at else None,
        "snippet": article.text[:SNIPPET],
        "story_id": article.story_id,
        "tags": [
            {"kind": t.kind, "id": t.id, "label": concept_label(lexicon, t.id, ui)}
            for t in article.tags
            if not t.derived
        ][:8],
    }


def _alert(alert: dict[str, Any]) -> dict[str, Any]:
    """What the read-only feed shows of an alert (no destinations, no secrets)."""
    latency = alert.get("latency") or {}
    return {
        "id": alert.get("id"),
        "rule": alert.get("rule"),
        "kind": alert.get("kind"),
        "article_id": alert.get("article_id"),
        "title": alert.get("title") or alert.get("snippet") or "",
        "matched": latency.get("matched"),
    }
