"""The one message schema: an ``Article`` and the ``Tag``s processors attach to it.

Kafka carries the JSON of these models; the search stores keep them; the dashboard and
the API return them. A bare ``{"title": ..., "text": ...}`` is a valid Article: the id is
derived from the canonical URL when there is one, else from the normalized text.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from rasad import payload
from rasad.errors import BadInput
from rasad.normalize import words

TagKind = Literal["event", "actor", "place", "keyword"]
Modality = Literal["carried_out", "threatened", "denied", "claimed"]
MODALITIES: tuple[Modality, ...] = ("carried_out", "threatened", "denied", "claimed")
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


class Span(BaseModel):
    """Where a tag was found: character offsets [start, end) into the article's title + text."""

    start: int
    end: int
    text: str
    modality: Modality | None = Field(
        None,
        description="Events: how this mention reports the event (carried out, threatened or "
        "announced, denied, claimed by one side), from the cue words around it.",
    )


class Tag(BaseModel):
    """One thing an article is about, with the words that show it."""

    kind: TagKind
    id: str = Field(
        description="Standard id: Wikidata QID, ISO 3166-1 alpha-2, GeoNames id, CAMEO-mapped "
        "event type."
    )
    label: str = Field(description="English label.")
    spans: list[Span] = Field(default_factory=list)
    confidence: float = 1.0
    derived: bool = Field(False, description="Implied by another tag (a city implies its country).")
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    codes: dict[str, str] = Field(
        default_factory=dict, description="Other vocabularies: cameo, acled."
    )
    modality: Modality | None = Field(
        None,
        description="Events: carried_out when some mention reports it as done, else the "
        "modality of its mentions (denied, threatened, claimed); None for other kinds.",
    )


class Rejection(BaseModel):
    """A surface form the tagger read and did not tag as a concept, and the cue that decided."""

    id: str = Field(description="The concept the form could have named.")
    start: int
    end: int
    text: str
    cue: str = Field(description="Why not: the rule or context word that rejected it.")


class Article(BaseModel):
    """A news article as it flows through Rasad."""

    model_config = ConfigDict(extra="ignore")

    id: str = ""
    source: str = ""
    url: str | None = None
    title: str = ""
    subtitle: str | None = None
    byline: str | None = None
    text: str
    published_at: AwareDatetime | None = None
    ingested_at: AwareDatetime | None = None
    language: str | None = None
    language_confidence: float | None = None
    raw: str | None = Field(None, description="The input as received, kept for reprocessing.")
    tags: list[Tag] = Field(default_factory=list)
    story_id: str | None = None
    tagged_at: AwareDatetime | None = None
    rejections: list[Rejection] | None = Field(
        None,
        description="Forms the tagger rejected (Isis the actress, Jordan the player), set by "
        "the tagger: search ranks such literal matches below concept matches, alerts skip them.",
    )
    normalized: str | None = Field(
        None,
        description="Title and text as the project's normalized terms, set by the "
        "tagger so the stories step, the indexer and alerts do not fold the text again.",
    )

    @field_validator("published_at", "ingested_at", "tagged_at")
    @classmethod
    def _placeable_in_utc(cls, value: datetime | None) -> datetime | None:
        # Every store and the alert matcher place an article in UTC: year 1 at +01:00 cannot be.
        try:
            value and value.astimezone(UTC)
        except OverflowError:
            raise ValueError("date out of range in UTC") from None
        return value

    @model_validator(mode="after")
    def _require_text_and_id(self) -> Article:
        if not self.text.strip():
            raise ValueError("text is empty")
        if not self.id:
            self.id = article_id(self.url, self.title, self.text)
        return self

    @property
    def body(self) -> str:
        """Title and text as one string: the text tag spans point into."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text

    def to_json(self) -> bytes:
        """UTF-8 JSON bytes, the form Kafka carries."""
        return self.model_dump_json(exclude_none=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> Article:
        """Parse a bus message; raise ``BadInput`` (reason ``not_json``, ``too_deep``,
        ``bad_unicode`` — see ``rasad.payload`` — or ``invalid_article``).

        A sound message is decoded and validated in one pass (pydantic's JSON parser: no dict of
        it is built in Python first); one that fails is read again the careful way, for the
        reason (nesting and lone surrogates are told apart there).
        """
        try:
            return cls.model_validate_json(data)
        except ValidationError:
            pass
        try:
            obj = payload.decode(data)
        except BadInput as exc:
            raise BadInput(f"message is {exc}", reason=exc.reason) from exc
        return cls.from_obj(obj)

    @classmethod
    def from_obj(cls, obj: object) -> Article:
        """Validate a decoded JSON object; raise ``BadInput`` saying what is wrong."""
        if not isinstance(obj, dict):
            raise BadInput(
                f"message is JSON {type(obj).__name__}, not an object", reason="invalid_article"
            )
        try:
            return cls.model_validate(obj)
        except ValidationError as exc:
            raise _invalid(exc) from exc


def _invalid(exc: ValidationError) -> BadInput:
    """The ``BadInput`` of an article that failed validation: each field and what is wrong."""
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'article'}: {e['msg']}" for e in exc.errors()
    )
    return BadInput(f"invalid article: {problems}", reason="invalid_article")


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, drop the fragment, tracking parameters and a trailing slash."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PARAMS)
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(query)), "")
    )


def article_id(url: str | None, title: str, text: str) -> str:
    """Stable id: 16 hex digits of SHA-256 over the canonical URL, else over the
    folded words of the title and text.
    """
    key = f"url:{canonical_url(url)}" if url else "text:" + " ".join(words(title + " " + text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)
