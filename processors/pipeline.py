"""The processing stage as plain functions: raw message bytes in, a tagged article (or a reason) out.

The Faust agent and the embedded runner are thin shells around ``handle_raw``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from processors.stories import StoryIndex
from processors.tagger import analyse
from rasad.concepts import Lexicon
from rasad.errors import BadInput
from rasad.language import detect
from rasad.model import Article, utcnow

_SPACES = (("\u00a0", " "), ("\u2007", " "), ("\u202f", " "), ("\r", ""))  # (char, as what)


@dataclass(frozen=True)
class Outcome:
    """What became of one raw message: a tagged article, or why it was rejected."""

    article: Article | None = None
    reason: str | None = None
    error: str | None = None


def clean(article: Article) -> Article:
    """Unicode NFKC (Arabic presentation forms, full-width chars), tidy spaces, trimmed fields."""

    def tidy(value: str | None) -> str | None:
        if value is None:
            return None
        value = unicodedata.normalize("NFKC", value)
        for char, to in _SPACES:  # str.translate would look up every character (~30 µs a text)
            if char in value:
                value = value.replace(char, to)
        lines = value.split("\n")
        return "\n".join(" ".join(line.split()) for line in lines).strip()

    return article.model_copy(
        update={
            "title": tidy(article.title) or "",
            "text": tidy(article.text),
            "subtitle": tidy(article.subtitle),
        }
    )


def process(article: Article, lexicon: Lexicon, stories: StoryIndex | None = None) -> Article:
    """Clean, detect the language when the producer did not, tag, normalize, and find the story (given an index)."""
    article = clean(article)
    if not article.text:
        raise BadInput("text is empty after cleaning", reason="invalid_article")
    updates: dict = {"tagged_at": utcnow()}
    if not article.language:
        updates["language"], updates["language_confidence"] = detect(article.body)
    if article.ingested_at is None:
        updates["ingested_at"] = updates["tagged_at"]
    article = article.model_copy(update=updates)
    analysis = analyse(article, lexicon)
    updates = {
        "tags": analysis.tags,
        "rejections": analysis.rejections or None,
        "normalized": lexicon.stemmer.normalized(article.body),
    }
    if stories is not None and not article.story_id:
        updates["story_id"] = stories.assign(article.id, updates["normalized"])
    return article.model_copy(update=updates)


def handle_raw(value: bytes, lexicon: Lexicon, stories: StoryIndex | None = None) -> Outcome:
    """One message from ``articles.raw``: the processed article, or the reason it goes to the DLQ."""
    try:
        return Outcome(article=process(Article.from_json(value), lexicon, stories))
    except BadInput as exc:
        return Outcome(reason=exc.reason, error=str(exc))
