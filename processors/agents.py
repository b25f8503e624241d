"""The Faust shell of the processing stage: ``articles.raw`` → stories hop → ``articles.tagged``
(or the DLQ).

Two agents. ``rasad.tagger`` reads ``articles.raw`` (partitioned by article id, so tagging
scales with partitions and workers), cleans and tags, computes the article's LSH band keys and
sends both to the internal topic ``<app id>-stories``. That topic has ONE partition and every
message has the same key, so all articles meet in one place, in one order: ``rasad.stories``
looks their band keys up (``processors.stories.StoryLog``), logs one record per article in the
``stories`` table and writes the article with its story id to ``articles.tagged``, without
parsing it again (the id is appended to the article's JSON). The table is changelogged to
Kafka: after a restart (or on another worker that takes the partition over) it is restored and
the lookups rebuilt from it before the agent continues, so a near-duplicate still joins its
story. It keeps the last ``remembered`` articles (``RASAD_STORIES_REMEMBERED``) and deletes
older ones. Assigning a story is a few table lookups and one changelog message, so the one
partition is not the bottleneck: tagging is. A producer-given ``story_id`` skips the hop.

At-least-once, honestly: both agents run with ``concurrency=1`` (Faust's default, stated here
so nobody raises it casually). With concurrency > 1 Faust can commit a partition's offset
past messages another actor instance has not finished (faust issue #606), and a crash then
loses them. With one actor per partition an event is acknowledged only when the loop asks
for the next one, after its output was handed to the producer; a crash before the commit
replays it, and replays are harmless: the article id, tags and story id come out the same
(a story-table key, once written, never changes).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field

import faust

from processors.mentions import prepare
from processors.pipeline import handle_raw
from processors.stories import Banding, StoryLog
from rasad import metrics
from rasad.bus import dead_letter_record
from rasad.concepts import Lexicon
from rasad.deadline import within
from rasad.errors import BadInput
from rasad.model import Article
from rasad.payload import clean_text
from rasad.settings import Settings
from rasad.streaming import Topics

log = logging.getLogger(__name__)

_ONE_KEY = b"stories"  # every article to the stories topic's one partition


def register(
    app: faust.App,
    topics: Topics,
    lexicon: Lexicon,
    settings: Settings,
    *,
    stories_topic: faust.ChannelT | None = None,
) -> None:
    """Add the tagger and stories agents (and the changelogged stories table) to the app.

    Every message ends as a tagged article or a dead-letter record: bad input with its reason,
    a message that takes longer than ``worker_message_seconds`` as ``too_slow``, output over
    ``max_message_bytes`` as ``too_large``, and any other error (a bug a message triggers) as
    ``failed`` with the exception's class — then the next message.

    ``stories_topic``: the hop between the two agents; by default the internal
    ``<app id>-stories`` topic of one partition (a channel keeps the hop in the process).
    The story log (``stories_remembered`` articles, no older than ``stories_horizon_hours``) is
    a changelogged table in the app's store (a few hundred bytes an article, bounded by that
    window); its lookups (~15 keys an article) are in memory, bounded by the same window.
    """
    if stories_topic is None:
        stories_topic = app.topic(
            f"{app.conf.id}-stories", key_type=bytes, value_type=bytes, partitions=1, internal=True
        )
    prepare(lexicon)  # the tagger's lookups, built before the worker freezes what lives long
    table = app.Table("stories", partitions=1, key_type=bytes, value_type=bytes)
    story_log = StoryLog(
        _Utf8(table), settings.stories_remembered, horizon=settings.stories_horizon_hours * 3600
    )
    stage = _Processing(topics, stories_topic, lexicon, settings, story_log)

    @table.on_recover
    async def rebuild() -> None:  # after every rebalance: the log may have grown on another worker
        stage.story_log.rebuild()

    @app.agent(topics.raw, name="rasad.tagger", concurrency=1)
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await stage.tag(event)

    @app.agent(stories_topic, name="rasad.stories", concurrency=1)
    async def stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await stage.assign_story(event)


@dataclass
class _Processing:
    """What the two agents share: topics, lexicon, limits, the story log; one event at a time."""

    topics: Topics
    stories_topic: faust.ChannelT
    lexicon: Lexicon
    settings: Settings
    story_log: StoryLog
    banding: Banding = field(default_factory=Banding)

    async def tag(self, event: faust.EventT) -> None:
        """Tag a raw message and send it on (to the stories hop unless its story is known)."""
        try:
            with within(self.settings.worker_message_seconds):
                outcome = handle_raw(
                    event.value, self.lexicon, max_chars=self.settings.max_article_chars
                )
            if outcome.article is None:
                await self.reject(
                    event, "tagger", outcome.reason or "failed", outcome.error or "",
                    outcome.error_class,
                )  # fmt: skip
                return
            topic, key, message = self._tagged(outcome.article)
        except BadInput as exc:
            await self.reject(event, "tagger", exc.reason, str(exc))
            return
        except Exception as exc:  # a bug a message triggers: recorded, and the stream goes on
            log.exception("tagger failed on offset %s", event.message.offset)
            await self.reject(event, "tagger", "failed", str(exc), type(exc).__name__)
            return
        metrics.handled("tagger")
        await topic.send(key=key, value=message)

    def _tagged(self, article: Article) -> tuple[faust.ChannelT, bytes, bytes]:
        """(topic, key, message) of a tagged article; ``BadInput`` when it would be too large."""
        topic: faust.ChannelT
        if article.story_id:  # the producer already knows the story
            topic, key, message = self.topics.tagged, article.id.encode(), article.to_json()
        else:
            keys, signature = self.banding.keys_and_signature(article.normalized or "")
            topic, key, message = self.stories_topic, _ONE_KEY, wrap(keys, article, signature)
        limit = self.settings.max_message_bytes - 1024  # room for the story id and the record
        if len(message) > limit:
            raise BadInput(
                f"tagged article of {len(message):,} bytes, over the {limit:,} byte limit",
                reason="too_large",
            )
        return topic, key, message

    async def assign_story(self, event: faust.EventT) -> None:
        """Give a stories-hop message its story and send the article to the tagged topic."""
        try:
            article_id, band_keys, article, signature = unwrap(event.value)
            message = with_story(article, self.story_log.assign(article_id, band_keys, signature))
        except BadInput as exc:
            await self.reject(event, "stories", exc.reason, str(exc))
            return
        except Exception as exc:  # see ``tag``
            log.exception("stories failed on offset %s", event.message.offset)
            await self.reject(event, "stories", "failed", str(exc), type(exc).__name__)
            return
        metrics.handled("stories")
        await self.topics.tagged.send(key=article_id.encode(), value=message)

    async def reject(
        self,
        event: faust.EventT,
        stage: str,
        reason: str,
        error: str,
        error_class: str | None = None,
    ) -> None:
        """Dead-letter the event's message with the reason and where it came from."""
        origin = {
            "topic": event.message.topic,
            "partition": event.message.partition,
            "offset": event.message.offset,
            "stage": stage,
        }
        log.warning(
            "rejected %s: %s: %s",
            origin,
            reason,
            clean_text(error)[:500],
            extra={**origin, "reason": reason},
        )
        metrics.dead_lettered(stage, reason)
        await self.topics.dlq.send(
            value=dead_letter_record(reason, error, event.value, origin, error_class)
        )


def wrap(band_keys: list[str], article: Article, signature: bytes | None = None) -> bytes:
    """The stories-topic message: a JSON line (id, band keys, signature), then the article JSON."""
    body = article.model_dump_json(
        exclude_none=True, exclude={"story_id"}
    ).encode()  # ``with_story`` adds it
    head: dict = {"id": article.id, "bands": band_keys}
    if signature is not None:
        head["sig"] = base64.b64encode(signature).decode()
    return json.dumps(head).encode() + b"\n" + body


def unwrap(value: bytes) -> tuple[str, list[str], bytes, bytes | None]:
    """Article id, band keys, article JSON and signature (None in a message without one) of a
    stories-topic message; ``BadInput`` if it is not one."""
    head, _, article = value.partition(b"\n")
    try:
        obj = json.loads(head)
        article_id, band_keys = obj["id"], obj["bands"]
        signature = base64.b64decode(obj["sig"], validate=True) if "sig" in obj else None
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"not a stories message: {exc}", reason="invalid_article") from exc
    if (
        not isinstance(article_id, str)
        or not article_id
        or not isinstance(band_keys, list)
        or not all(isinstance(k, str) for k in band_keys)
    ):
        raise BadInput(
            "not a stories message: needs an id and a list of band keys", reason="invalid_article"
        )
    if not (article.startswith(b"{") and article.rstrip().endswith(b"}")):
        raise BadInput(
            "not a stories message: no article JSON after the header", reason="invalid_article"
        )
    return article_id, band_keys, article, signature


def with_story(article: bytes, story_id: str) -> bytes:
    """The article's JSON from ``wrap`` (no story id in it) with the story id added."""
    return article.rstrip()[:-1] + b',"story_id":' + json.dumps(story_id).encode() + b"}"


class _Utf8(MutableMapping):
    """A str → str view of a Faust table of bytes.

    The app's raw serializer restores bytes from the changelog.
    """

    def __init__(self, table: MutableMapping[bytes, bytes]):
        self.table = table

    def __getitem__(self, key: str) -> str:
        return self.table[key.encode()].decode()

    def __setitem__(self, key: str, value: str) -> None:
        self.table[key.encode()] = value.encode()

    def __delitem__(self, key: str) -> None:
        del self.table[key.encode()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.encode() in self.table

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in self.table)

    def __len__(self) -> int:
        return len(self.table)
