"""The Faust shell of the processing stage: ``articles.raw`` → stories hop → ``articles.tagged`` (or the DLQ).

Two agents. ``rasad.tagger`` reads ``articles.raw`` (partitioned by article id, so tagging
scales with partitions and workers), cleans and tags, computes the article's LSH band keys and
sends both to the internal topic ``<app id>-stories``. That topic has ONE partition and every
message has the same key, so all articles meet in one place, in one order: ``rasad.stories``
looks their band keys up in the ``stories`` table (band key → story id, see
``processors.stories``), records the new keys and writes the article with its story id to
``articles.tagged``. The table is changelogged to Kafka: after a restart (or on another worker
that takes the partition over) it is restored before the agent continues, so a near-duplicate
still joins its story. The table keeps the keys of the last ``remembered`` articles
(``RASAD_STORIES_REMEMBERED``) and deletes older ones. Assigning a story is a few dictionary
operations, so the one partition is not the bottleneck: tagging is. A producer-given
``story_id`` skips the hop.

At-least-once, honestly: both agents run with ``concurrency=1`` (Faust's default, stated here
so nobody raises it casually). With concurrency > 1 Faust can commit a partition's offset
past messages another actor instance has not finished (faust issue #606), and a crash then
loses them. With one actor per partition an event is acknowledged only when the loop asks
for the next one, after its output was handed to the producer; a crash before the commit
replays it, and replays are harmless: the article id, tags and story id come out the same
(a story-table key, once written, never changes).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator, MutableMapping

import faust

from processors.pipeline import handle_raw
from processors.stories import Banding, assign
from rasad.bus import dead_letter_record
from rasad.concepts import Lexicon
from rasad.errors import BadInput
from rasad.model import Article
from rasad.streaming import Topics

log = logging.getLogger(__name__)

_ONE_KEY = b"stories"  # every article to the stories topic's one partition


def register(app: faust.App, topics: Topics, lexicon: Lexicon, remembered: int = 200_000) -> None:
    """Add the tagger and stories agents (and the changelogged stories table) to the app.

    ``remembered``: articles whose story keys the table keeps.
    """
    stories_topic = app.topic(f"{app.conf.id}-stories", key_type=bytes, value_type=bytes, partitions=1, internal=True)
    table = _Utf8(app.Table("stories", partitions=1, key_type=bytes, value_type=bytes))
    banding = Banding()

    async def reject(event: faust.EventT, stage: str, reason: str, error: str) -> None:
        origin = {"topic": event.message.topic, "partition": event.message.partition,
                  "offset": event.message.offset, "stage": stage}
        log.warning("rejected %s: %s", origin, error)
        await topics.dlq.send(value=dead_letter_record(reason, error, event.value, origin))

    @app.agent(topics.raw, name="rasad.tagger", concurrency=1)
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            outcome = handle_raw(event.value, lexicon)
            if outcome.article is None:
                await reject(event, "tagger", outcome.reason, outcome.error)
            elif outcome.article.story_id:  # the producer already knows the story
                await topics.tagged.send(key=outcome.article.id.encode(), value=outcome.article.to_json())
            else:
                await stories_topic.send(key=_ONE_KEY, value=wrap(banding.keys(outcome.article.body), outcome.article))

    @app.agent(stories_topic, name="rasad.stories", concurrency=1)
    async def stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                band_keys, article = unwrap(event.value)
            except BadInput as exc:
                await reject(event, "stories", exc.reason, str(exc))
                continue
            article = article.model_copy(update={"story_id": assign(table, article.id, band_keys, remembered)})
            await topics.tagged.send(key=article.id.encode(), value=article.to_json())


def wrap(band_keys: list[str], article: Article) -> bytes:
    """The stories-topic message: the band keys and the tagged article."""
    return b'{"bands":' + json.dumps(band_keys).encode() + b',"article":' + article.to_json() + b"}"


def unwrap(value: bytes) -> tuple[list[str], Article]:
    """Band keys and article of a stories-topic message; ``BadInput`` if it is not one."""
    try:
        obj = json.loads(value)
        band_keys, article = obj["bands"], obj["article"]
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"not a stories message: {exc}", reason="invalid_article") from exc
    if not isinstance(band_keys, list) or not all(isinstance(k, str) for k in band_keys):
        raise BadInput("not a stories message: bands is not a list of strings", reason="invalid_article")
    return band_keys, Article.from_obj(article)


class _Utf8(MutableMapping):
    """A str → str view of a Faust table of bytes (the app's raw serializer restores bytes from the changelog)."""

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
