"""The Faust shell of the processing stage: ``articles.raw`` → stories hop → ``articles.tagged`` (or the DLQ).

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
older ones. Assigning a story is a few dictionary operations and two changelog messages, so the
one partition is not the bottleneck: tagging is. A producer-given ``story_id`` skips the hop.

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
from pathlib import Path

import faust

from processors.pipeline import handle_raw
from processors.stories import Banding, DiskIndex, StoryLog
from rasad.bus import dead_letter_record
from rasad.concepts import Lexicon
from rasad.errors import BadInput
from rasad.model import Article
from rasad.streaming import Topics

log = logging.getLogger(__name__)

_ONE_KEY = b"stories"  # every article to the stories topic's one partition
# Faust's RocksDB defaults are sized for big tables (64 MB write buffers, a 2 GB block cache);
# the story log is a few hundred bytes per article, read only when rebuilding.
_SMALL_ROCKSDB = {
    "driver": "rocksdict",  # the binding pyproject installs (python-rocksdb needs a build)
    "write_buffer_size": 4 << 20,
    "max_write_buffer_number": 2,
    "target_file_size_base": 16 << 20,
    "block_cache_size": 8 << 20,
    "block_cache_compressed_size": 0,
}


def register(
    app: faust.App,
    topics: Topics,
    lexicon: Lexicon,
    remembered: int = 200_000,
    horizon_hours: float = 0.0,
) -> None:
    """Add the tagger and stories agents (and the changelogged stories table) to the app.

    ``remembered``: articles whose story keys the table keeps; ``horizon_hours``: and no older
    than that (0: no limit but ``remembered``). The table lives in RocksDB, the lookups in a
    local RocksDB beside it (``DiskIndex``): neither grows the worker's heap.
    """
    stories_topic = app.topic(
        f"{app.conf.id}-stories", key_type=bytes, value_type=bytes, partitions=1, internal=True
    )
    table = app.Table(
        "stories",
        partitions=1,
        key_type=bytes,
        value_type=bytes,
        store="rocksdb://",
        options=_SMALL_ROCKSDB,
    )
    index_folder = Path(app.conf.tabledir) / "stories-index"  # beside Faust's own tables
    index_folder.parent.mkdir(parents=True, exist_ok=True)
    story_log = StoryLog(_Utf8(table), remembered, DiskIndex(index_folder), horizon_hours * 3600)
    banding = Banding()

    @table.on_recover
    async def rebuild() -> None:  # after every rebalance: the log may have grown on another worker
        story_log.rebuild()

    async def reject(event: faust.EventT, stage: str, reason: str, error: str) -> None:
        origin = {
            "topic": event.message.topic,
            "partition": event.message.partition,
            "offset": event.message.offset,
            "stage": stage,
        }
        log.warning("rejected %s: %s", origin, error)
        await topics.dlq.send(value=dead_letter_record(reason, error, event.value, origin))

    @app.agent(topics.raw, name="rasad.tagger", concurrency=1)
    async def tagger(stream: faust.StreamT) -> None:
        async for event in stream.events():
            outcome = handle_raw(event.value, lexicon)
            if outcome.article is None:
                await reject(event, "tagger", outcome.reason, outcome.error)
            elif outcome.article.story_id:  # the producer already knows the story
                await topics.tagged.send(
                    key=outcome.article.id.encode(), value=outcome.article.to_json()
                )
            else:
                article = outcome.article
                await stories_topic.send(
                    key=_ONE_KEY, value=wrap(banding.keys(article.normalized or ""), article)
                )

    @app.agent(stories_topic, name="rasad.stories", concurrency=1)
    async def stories(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                article_id, band_keys, article = unwrap(event.value)
            except BadInput as exc:
                await reject(event, "stories", exc.reason, str(exc))
                continue
            story = story_log.assign(article_id, band_keys)
            await topics.tagged.send(key=article_id.encode(), value=with_story(article, story))


def wrap(band_keys: list[str], article: Article) -> bytes:
    """The stories-topic message: a JSON line with the article id and band keys, then the article's JSON."""
    body = article.model_dump_json(
        exclude_none=True, exclude={"story_id"}
    ).encode()  # ``with_story`` adds it
    return json.dumps({"id": article.id, "bands": band_keys}).encode() + b"\n" + body


def unwrap(value: bytes) -> tuple[str, list[str], bytes]:
    """Article id, band keys and article JSON of a stories-topic message; ``BadInput`` if it is not one."""
    head, _, article = value.partition(b"\n")
    try:
        obj = json.loads(head)
        article_id, band_keys = obj["id"], obj["bands"]
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
    return article_id, band_keys, article


def with_story(article: bytes, story_id: str) -> bytes:
    """The article's JSON from ``wrap`` (no story id in it) with the story id added."""
    return article.rstrip()[:-1] + b',"story_id":' + json.dumps(story_id).encode() + b"}"


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
