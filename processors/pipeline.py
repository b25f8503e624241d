"""The processing stage as plain functions: raw message bytes in, a
tagged article (or a reason) out.

The Faust agent and the embedded runner are thin shells around ``handle_raw``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from processors.stories import StoryIndex
from processors.tagger import analyse
from rasad.concepts import Lexicon
from rasad.errors import BadInput
from rasad.language import detect
from rasad.model import Article, utcnow

log = logging.getLogger(__name__)
_SPACES = (("\u00a0", " "), ("\u2007", " "), ("\u202f", " "), ("\r", ""))  # (char, as what)
# Control characters (but tab and newline) and the bidi embeddings, overrides and isolates:
# invisible, they can only garble or disguise text on a page (RLM/LRM stay).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MAX_ARTICLE_CHARS = 1_000_000  # the default of RASAD_MAX_ARTICLE_CHARS


@dataclass(frozen=True)
class Outcome:
    """What became of one raw message: a tagged article, or why it was rejected.

    ``error_class`` names the exception when handling failed otherwise than by bad input (a bug,
    a bound hit): the message is dead-lettered all the same, and the stream goes on.
    """

    article: Article | None = None
    reason: str | None = None
    error: str | None = None
    error_class: str | None = None


def clean(article: Article) -> Article:
    """Unicode NFKC (Arabic presentation forms, full-width chars), tidy spaces, trimmed fields,
    no control characters (but newlines) and no bidi embeddings/overrides/isolates."""

    def tidy(value: str | None) -> str | None:
        if value is None:
            return None
        value = unicodedata.normalize("NFKC", value)
        for char, to in _SPACES:  # str.translate would look up every character (~30 µs a text)
            if char in value:
                value = value.replace(char, to)
        value = _INVISIBLE.sub("", value)  # one scan in C; most texts have none
        lines = value.split("\n")
        return "\n".join(" ".join(line.split()) for line in lines).strip()

    return article.model_copy(
        update={
            "title": tidy(article.title) or "",
            "text": tidy(article.text),
            "subtitle": tidy(article.subtitle),
            "byline": tidy(article.byline),
            "source": tidy(article.source) or "",
        }
    )


def process(
    article: Article,
    lexicon: Lexicon,
    stories: StoryIndex | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> Article:
    """Clean, detect the language when the producer did not, tag, normalize, and
    find the story (given an index).

    An article longer than ``max_chars`` (title + text) is refused (``too_large``) before any work.
    """
    size = len(article.title) + len(article.text)
    if size > max_chars:
        raise BadInput(
            f"article of {size:,} characters, over the {max_chars:,} limit", reason="too_large"
        )
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


def handle_raw(
    value: bytes,
    lexicon: Lexicon,
    stories: StoryIndex | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> Outcome:
    """One message from ``articles.raw``: the processed article, or the reason it goes to the DLQ.

    Never raises for the message's sake: bad input is its ``BadInput`` reason; any other error
    (a bug the message triggers) is reason ``failed`` with the exception's class, logged with its
    traceback, so one poison message never stops the stream.
    """
    try:
        return Outcome(article=process(Article.from_json(value), lexicon, stories, max_chars))
    except BadInput as exc:
        return Outcome(reason=exc.reason, error=str(exc))
    except Exception as exc:  # whatever a message makes fail, the stream goes on
        log.exception("tagging failed on a message of %d bytes", len(value))
        return Outcome(reason="failed", error=f"{exc}", error_class=type(exc).__name__)
