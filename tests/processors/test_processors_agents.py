"""The tagger and stories agents (``processors.agents``) without Kafka: raw bytes in, a tagged
article with its story (or a dead-letter record) out, through Faust's ``test_context()``."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import faust
import pytest
from faust.types.agents import AgentTestWrapperT

from processors.agents import register
from rasad.bus import MAX_ORIGINAL_BYTES
from rasad.concepts import Lexicon
from rasad.settings import Settings
from rasad.streaming import Topics
from tests.helpers.agents import (
    channel,
    channels,
    offline_app,
    offline_settings,
    received,
    subscription,
)

# Written for these tests. Clitics the tagger must see through: لـ+داعش, بـ+الرقة, و+إسرائيل.
TEXT = (
    "أعلنت موسكو أن طائراتها شنت غارات جوية على مواقع لداعش بالرقة، وقالت إن روسيا وإسرائيل "
    "ستواصلان التنسيق العسكري في سوريا."
)
EXPECTED = {
    "Q2429253": "لداعش",  # Islamic State
    "geonames:172955": "بالرقة",  # Raqqa
    "IL": "وإسرائيل",
    "RU": "روسيا",
    "SY": "سوريا",
    "airstrike": "غارات جوية",
    "military-coordination": "التنسيق العسكري",
}

Scenario = Callable[[AgentTestWrapperT, faust.ChannelT, Topics], Awaitable[None]]


def raw(title: str, source: str, text: str = TEXT, **fields: str) -> bytes:
    """A message as a producer writes it to ``articles.raw``."""
    return json.dumps({"title": title, "text": text, "source": source, **fields}).encode()


def run(lexicon: Lexicon, settings: Settings, scenario: Scenario) -> None:
    """Run ``scenario(tagger, hop, topics)``: both agents in test contexts, chained by the hop."""

    async def main() -> None:
        async with offline_app(settings) as app:
            await _both_agents(app, lexicon, settings, scenario)

    asyncio.run(main())


async def _both_agents(
    app: faust.App, lexicon: Lexicon, settings: Settings, scenario: Scenario
) -> None:
    topics, hop = channels(app), channel(app)
    register(app, topics, lexicon, settings, stories_topic=hop)
    # The stories agent reads the very channel the tagger writes to: an article passes both.
    async with (
        app.agents["rasad.tagger"].test_context() as tagger,
        app.agents["rasad.stories"].test_context(channel=hop),
    ):
        await scenario(tagger, hop, topics)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path)


def test_an_arabic_article_comes_out_tagged_through_its_clitics(lexicon, settings):
    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged = subscription(topics.tagged)
        await tagger.put(raw("غارات روسية بالرقة", "وكالة"))
        event = await received(tagged)
        article = json.loads(event.value)
        assert event.key == article["id"].encode()
        assert article["language"] == "ar"
        spans = {t["id"]: {s["text"] for s in t["spans"]} for t in article["tags"]}
        for concept, form in EXPECTED.items():
            assert form in spans.get(concept, set()), (concept, spans.get(concept))
        assert article["story_id"] == article["id"]  # the first of its story
        assert article["tagged_at"] and article["normalized"]

    run(lexicon, settings, scenario)


def test_a_near_duplicate_from_another_source_joins_the_first_story(lexicon, settings):
    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged = subscription(topics.tagged)
        await tagger.put(raw("غارات روسية بالرقة", "وكالة أ"))
        first = json.loads((await received(tagged)).value)
        await tagger.put(raw("روسيا تقصف مواقع داعش", "وكالة ب"))
        second = json.loads((await received(tagged)).value)
        other = "اجتمع وزراء الزراعة في الرباط لبحث أسعار القمح والشعير هذا الموسم."
        await tagger.put(raw("أسعار القمح", "وكالة ج", text=other))
        third = json.loads((await received(tagged)).value)
        assert second["id"] != first["id"]
        assert second["story_id"] == first["story_id"] == first["id"]
        assert third["story_id"] == third["id"]  # unrelated: a story of its own

    run(lexicon, settings, scenario)


def test_a_story_the_producer_gives_skips_the_stories_hop(lexicon, settings):
    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged, hopped = subscription(topics.tagged), subscription(hop)
        await tagger.put(raw("غارات روسية بالرقة", "وكالة", story_id="wire-7"))
        article = json.loads((await received(tagged)).value)
        assert article["story_id"] == "wire-7"
        assert hopped.empty()  # the tagger sent it to the tagged topic itself

    run(lexicon, settings, scenario)


@pytest.mark.parametrize(
    ("poison", "reason"),
    [
        (b"\xd8\xba\xd8 not json", "not_json"),
        (b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too_deep"),
        (b'{"title": "\\ud800", "text": "lone surrogate"}', "bad_unicode"),
        (b'{"title": "no text"}', "invalid_article"),
    ],
    ids=["not-json", "nested", "lone-surrogate", "no-text"],
)
def test_a_poison_message_is_dead_lettered_and_the_next_article_tagged(
    lexicon, settings, poison, reason
):
    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged, dead = subscription(topics.tagged), subscription(topics.dlq)
        await tagger.put(poison)
        record = json.loads((await received(dead)).value)
        assert (record["reason"], record["error_class"]) == (reason, "BadInput")
        assert record["origin"]["stage"] == "tagger" and record["origin"]["offset"] == 0
        assert record["error"] and record["size"] == len(poison)
        kept = record["original"]  # the message as it came (hex when it is not UTF-8), to replay
        assert (bytes.fromhex(kept) if record["encoding"] == "hex" else kept.encode()) == poison
        await tagger.put(raw("غارات روسية بالرقة", "وكالة"))
        article = json.loads((await received(tagged)).value)
        assert "Q2429253" in {t["id"] for t in article["tags"]}
        assert dead.empty()

    run(lexicon, settings, scenario)


def test_a_tagged_article_over_the_message_limit_is_dead_lettered_too_large(lexicon, tmp_path):
    settings = offline_settings(tmp_path, max_message_bytes=64 * 1024)
    long_text = " ".join([TEXT] * 300)  # ~70 KB of text; with its tags and terms, well over 63 KB

    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged, dead = subscription(topics.tagged), subscription(topics.dlq)
        message = raw("طويل", "وكالة", text=long_text)
        await tagger.put(message)
        record = json.loads((await received(dead)).value)
        assert (record["reason"], record["error_class"]) == ("too_large", "BadInput")
        # The record keeps the raw message's start and says so: it must fit on the topic itself.
        assert record["size"] == len(message) and record["truncated"] is True
        assert len(record["original"].encode()) == MAX_ORIGINAL_BYTES
        await tagger.put(raw("غارات روسية بالرقة", "وكالة"))
        assert json.loads((await received(tagged)).value)["language"] == "ar"

    run(lexicon, settings, scenario)


def test_a_bad_stories_message_is_dead_lettered_with_its_error_class(lexicon, settings):
    async def scenario(tagger: AgentTestWrapperT, hop: faust.ChannelT, topics: Topics) -> None:
        tagged, dead, hopped = (
            subscription(topics.tagged),
            subscription(topics.dlq),
            subscription(hop),
        )
        await tagger.put(raw("غارات روسية بالرقة", "وكالة أ"))
        first = json.loads((await received(tagged)).value)
        head, _, article = (await received(hopped)).value.partition(b"\n")

        await hop.send(key=b"stories", value=b"no header\n{}")
        record = json.loads((await received(dead)).value)
        assert (record["reason"], record["error_class"]) == ("invalid_article", "BadInput")
        assert record["origin"]["stage"] == "stories"

        # The first article's band keys with a signature of 3 bytes (values are 2 bytes each):
        # comparing it with the first's raises inside the story log, a bug a message triggers.
        forged = {**json.loads(head), "id": "forged", "sig": base64.b64encode(b"abc").decode()}
        await hop.send(key=b"stories", value=json.dumps(forged).encode() + b"\n" + article)
        record = json.loads((await received(dead)).value)
        assert (record["reason"], record["error_class"]) == ("failed", "ValueError")
        assert record["origin"]["stage"] == "stories"

        await tagger.put(raw("روسيا تقصف مواقع داعش", "وكالة ب"))
        assert json.loads((await received(tagged)).value)["story_id"] == first["id"]

    run(lexicon, settings, scenario)
