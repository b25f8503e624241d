"""The JSON shape of search results, shared by the API and ``rasad search --json``."""

from __future__ import annotations

from typing import Any

from rasad.store import SearchResult


def result_json(result: SearchResult) -> dict[str, Any]:
    """The JSON shape of a search result (the API and ``rasad search --json`` share it)."""
    return {
        "total": result.total,
        "took_ms": round(result.took_ms, 1),
        "hits": [
            {
                "id": h.article.id,
                "title": h.article.title,
                "source": h.article.source,
                "url": h.article.url,
                "language": h.article.language,
                "published_at": h.article.published_at.isoformat()
                if h.article.published_at
                else None,
                "score": round(h.score, 4),
                "highlights": h.highlights,
                "tags": [{"kind": t.kind, "id": t.id, "label": t.label} for t in h.article.tags],
            }
            for h in result.hits
        ],
        "facets": {
            name: [{"value": v, "count": n} for v, n in buckets]
            for name, buckets in result.facets.items()
        },
        "histogram": [{"date": d, "count": n} for d, n in result.histogram],
    }
