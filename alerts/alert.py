"""A fired alert: which rule, which article/story, the latency record and what each destination did."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from rasad.model import Article, utcnow

DeliveryStatus = Literal["pending", "delivered", "failed", "refused", "throttled"]


class Latency(BaseModel):
    """When the article was published, ingested (produced), tagged, matched and the alert delivered."""

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
    """One alert: a keyword rule matched a story, or a spike rule's window reached its level."""

    id: str
    rule: str
    kind: Literal["match", "spike"] = "match"
    article_id: str
    story_id: str
    title: str = ""
    url: str | None = None
    source: str = ""
    language: str | None = None
    snippet: str = ""
    spike: dict | None = Field(
        None, description="key, window_start, count, level, baseline of a spike alert."
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
) -> Alert:
    """An alert for an article, stamped as matched now (or with ``matched``: the latency record of its batch)."""
    return Alert(
        id=alert_id(rule, dedup_key or story_id),
        rule=rule,
        kind=kind,
        article_id=article.id,
        story_id=story_id,
        title=article.title,
        url=article.url,
        source=article.source,
        language=article.language,
        snippet=snippet(article),
        spike=spike,
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
