"""Stories: near-duplicate articles share a story id; different ones do not."""
from __future__ import annotations

from processors.pipeline import process
from processors.stories import StoryIndex
from rasad.model import Article

WIRE = ("Russian President Vladimir Putin is ready to carry out unilateral air strikes against Islamic State in Syria "
        "if the United States rejects his proposal to coordinate their efforts, two people familiar with the matter said. "
        "Russia and Israel also set up a military team to coordinate their actions in Syria, an Israeli officer said.")


def test_near_duplicates_share_a_story_and_others_start_their_own():
    stories = StoryIndex()
    first = stories.assign("a1", WIRE)
    copy = stories.assign("a2", "Reuters - " + WIRE.replace("two people", "two sources") + " Read more on our site.")
    other = stories.assign("a3", "Teachers across France went on strike on Monday demanding higher wages and "
                                 "better working conditions, their union said, closing hundreds of schools.")
    assert first == "a1" and copy == "a1" and other == "a3"


def test_a_redelivered_article_keeps_its_story():
    stories = StoryIndex()
    stories.assign("a1", WIRE)
    assert stories.assign("a2", WIRE + " Updated.") == "a1"
    assert stories.assign("a2", "completely different text now") == "a1"


def test_the_index_forgets_the_oldest_articles_beyond_its_capacity():
    stories = StoryIndex(capacity=2)
    stories.assign("a1", WIRE)
    stories.assign("b1", "Ceasefire talks in Cairo between the two sides resumed on Sunday after a pause.")
    stories.assign("c1", "Earthquake shakes eastern Turkey, no casualties reported so far by officials.")
    assert len(stories) == 2
    assert stories.assign("a2", WIRE) == "a2"  # a1 was forgotten


def test_process_sets_the_story_id(lexicon):
    stories = StoryIndex()
    one = process(Article(title="Putin ready to strike", text=WIRE, source="x"), lexicon, stories)
    two = process(Article(title="Putin ready to strike alone", text=WIRE, source="y"), lexicon, stories)
    assert one.id != two.id and one.story_id == two.story_id == one.id


def test_assign_on_a_shared_mapping_is_replay_safe_and_never_rewrites_a_key():
    from processors.stories import Banding, assign

    banding, mapping = Banding(), {}
    wire, copy = banding.keys(WIRE), banding.keys("Reuters - " + WIRE + " Read more on our site.")
    assert len(wire) == 14 and wire == Banding().keys(WIRE)  # the same keys in every process
    assert assign(mapping, "b", copy) == "b"
    written = dict(mapping)
    assert assign(mapping, "a", wire) == "b"  # joins the earlier story, though "a" < "b"
    assert all(mapping[k] == v for k, v in written.items())
    assert assign(mapping, "a", wire) == "b" and assign(mapping, "b", copy) == "b"  # replays


def test_the_stories_hop_message_round_trips_and_rejects_garbage():
    import pytest

    from processors.agents import unwrap, wrap
    from rasad.errors import BadInput

    article = Article(title="t", text=WIRE, source="x")
    keys, back = unwrap(wrap(["0:ab", "1:cd"], article))
    assert keys == ["0:ab", "1:cd"] and back == article
    for bad in (b"not json", b'{"bands": "x", "article": {"text": "y"}}', b'{"bands": []}', b'{"bands": [], "article": {}}'):
        with pytest.raises(BadInput):
            unwrap(bad)


def test_a_mapping_with_a_capacity_stays_bounded_and_forgets_the_oldest_articles_keys():
    from processors.stories import Banding, assign, remembered

    banding, mapping = Banding(), {}
    texts = [f"Report number {n}: talks between delegations {n} resumed in city {n * 7} on day {n}." for n in range(30)]
    sizes = []
    for n, text in enumerate(texts):
        assert assign(mapping, f"a{n}", banding.keys(text), capacity=5) == f"a{n}"
        sizes.append(len(mapping))
    assert remembered(mapping, 5) == 5 and max(sizes[10:]) == min(sizes[10:])  # bounded: old keys are deleted
    assert "id:a29" in mapping and "id:a0" not in mapping
    assert assign(mapping, "b0", banding.keys(texts[0]), capacity=5) == "b0"  # a0 was forgotten
    assert assign(mapping, "b29", banding.keys(texts[29]), capacity=5) == "a29"  # a29 is remembered
