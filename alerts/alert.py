"""A fired alert: which rule, which article/story, the latency record
and what each destination did.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, BaseModel, Field

from rasad.model import Article, utcnow

if TYPE_CHECKING:  # the silence detector builds on this module: its hit type, for types only
    from alerts.silences import SilenceHit

# queued: waiting for its rule's next digest (delivered with the others of its period)
DeliveryStatus = Literal["pending", "queued", "delivered", "failed", "refused", "throttled"]


class Latency(BaseModel):
    """When the article was published, ingested (produced), tagged,
    matched and the alert delivered.
    """

    published: AwareDatetime | None = None
    ingested: AwareDatetime | None = None
    tagged: AwareDatetime | None = None
    matched: AwareDatetime
    delivered: AwareDatetime | None = None

    @property
    def ingest_to_match(self) -> float | None:
        """Seconds from production to match (the stream's own latency)."""
        return (self.matched - self.ingested).total_seconds() if self.ingested else None


class Delivery(BaseModel):
    """The outcome at one destination."""

    kind: str
    target: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    reason: str | None = None
    at: AwareDatetime | None = None


class Alert(BaseModel):
    """One alert: a keyword rule matched a story, a spike rule's window reached its level, or a
    silence rule's source or concept has been quiet for longer than its level."""

    id: str
    rule: str
    kind: Literal["match", "spike", "silence"] = "match"
    article_id: str = Field("", description="The article (a silence: the last one heard).")
    story_id: str = ""
    title: str = ""
    url: str | None = None
    source: str = ""
    language: str | None = None
    snippet: str = ""
    spike: dict | None = Field(
        None, description="key, window_start, count, level, baseline of a spike alert."
    )
    silence: dict | None = Field(
        None, description="key, last_seen, quiet (s), usual_gap (s), level (s) of a silence alert."
    )
    concepts: dict[str, str] = Field(
        default_factory=dict,
        description="Concepts the rule names that the article has: id -> name.",
    )
    latency: Latency
    deliveries: list[Delivery] = Field(default_factory=list)

    def payload(self) -> dict:
        """The JSON every destination receives (webhook body, topic value, feed event)."""
        return self.model_dump(mode="json", exclude_none=True)


def alert_id(rule: str, dedup_key: str) -> str:
    """Stable id of the alert of a rule for a story (or a spike window): the same on replays."""
    return hashlib.sha256(f"{rule}\x00{dedup_key}".encode()).hexdigest()[:20]


def from_article(
    rule: str,
    article: Article,
    story_id: str,
    kind: str = "match",
    spike: dict | None = None,
    dedup_key: str | None = None,
    matched: Latency | None = None,
    concepts: dict[str, str] | None = None,
    known: tuple[str, str] | None = None,
) -> Alert:
    """An alert for an article, stamped as matched now (or with ``matched``:
    the latency record of its batch).

    ``known``: its id and the article's snippet when the caller has them already (the ledger
    claimed the id; an article's alerts share a snippet).
    """
    the_id, the_snippet = known or (alert_id(rule, dedup_key or story_id), snippet(article))
    return Alert(
        id=the_id,
        rule=rule,
        kind=kind,
        article_id=article.id,
        story_id=story_id,
        title=article.title,
        url=article.url,
        source=article.source,
        language=article.language,
        snippet=the_snippet,
        spike=spike,
        concepts=concepts or {},
        latency=matched or matched_now(article),
    )


def matched_now(article: Article) -> Latency:
    """The latency record of an article matched now."""
    return Latency(
        published=article.published_at,
        ingested=article.ingested_at,
        tagged=article.tagged_at,
        matched=utcnow(),
    )


def snippet(article: Article) -> str:
    """The first ~280 characters of the article's text, spaces collapsed."""
    return " ".join(article.text[:600].split())[:280]


def from_silence(rule: str, hit: SilenceHit, dedup_key: str) -> Alert:
    """The alert of a key quiet for longer than its rule's level, stamped as matched now."""
    usual = f" (usually every {duration(hit.usual_gap)})" if hit.usual_gap else ""
    last = datetime.fromtimestamp(hit.last_seen, UTC)
    return Alert(
        id=alert_id(rule, dedup_key),
        rule=rule,
        kind="silence",
        article_id=hit.article_id,
        title=f"{hit.key}: nothing for {duration(hit.quiet)}{usual}",
        silence={
            "key": hit.key,
            "last_seen": last.isoformat(),
            "quiet": round(hit.quiet, 3),
            "usual_gap": round(hit.usual_gap, 3) if hit.usual_gap else None,
            "level": round(hit.level, 3),
        },
        latency=Latency(matched=utcnow()),
    )


def duration(seconds: float) -> str:
    """``2 h 5 min``, ``45 s``: how long, for people."""
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    parts.append(f"{minutes} min" if minutes else "")
    shown = [p for p in parts if p][:2]
    return " ".join(shown) if shown else f"{secs} s"
