"""Stories: near-duplicate articles share a story id; different ones do not."""

from __future__ import annotations

import json

from processors.pipeline import process
from processors.stories import StoryIndex
from rasad import concepts
from rasad.model import Article
from tests.helpers.collector import walked_by

norm = concepts.load().stemmer.normalized  # stories read an article's normalized text

WIRE = (
    "Russian President Vladimir Putin is ready to carry out unilateral air strikes against Islamic "
    "State in Syria "
    "if the United States rejects his proposal to coordinate their efforts, two people familiar "
    "with the matter said. "
    "Russia and Israel also set up a military team to coordinate their actions in Syria, an "
    "Israeli officer said."
)


def test_near_duplicates_share_a_story_and_others_start_their_own():
    stories = StoryIndex()
    first = stories.assign("a1", norm(WIRE))
    copy = stories.assign(
        "a2",
        norm("Reuters - " + WIRE.replace("two people", "two sources") + " Read more on our site."),
    )
    other = stories.assign(
        "a3",
        norm(
            "Teachers across France went on strike on Monday demanding higher wages and "
            "better working conditions, their union said, closing hundreds of schools."
        ),
    )
    assert first == "a1" and copy == "a1" and other == "a3"


def test_a_redelivered_article_keeps_its_story():
    stories = StoryIndex()
    stories.assign("a1", norm(WIRE))
    assert stories.assign("a2", norm(WIRE + " Updated.")) == "a1"
    assert stories.assign("a2", norm("completely different text now")) == "a1"


def test_the_index_forgets_the_oldest_articles_beyond_its_capacity():
    stories = StoryIndex(capacity=2)
    stories.assign("a1", norm(WIRE))
    stories.assign(
        "b1",
        norm("Ceasefire talks in Cairo between the two sides resumed on Sunday after a pause."),
    )
    stories.assign(
        "c1", norm("Earthquake shakes eastern Turkey, no casualties reported so far by officials.")
    )
    assert len(stories) == 2
    assert stories.assign("a2", norm(WIRE)) == "a2"  # a1 was forgotten


def test_process_sets_the_story_id(lexicon):
    stories = StoryIndex()
    one = process(Article(title="Putin ready to strike", text=WIRE, source="x"), lexicon, stories)
    two = process(
        Article(title="Putin ready to strike alone", text=WIRE, source="y"), lexicon, stories
    )
    assert one.id != two.id and one.story_id == two.story_id == one.id


def test_the_story_log_is_replay_safe_never_rewrites_a_key_and_rebuilds_from_its_log():
    from processors.stories import Banding, StoryLog

    banding, log = Banding(), {}
    wire, copy = (
        banding.keys(norm(WIRE)),
        banding.keys(norm("Reuters - " + WIRE + " Read more on our site.")),
    )
    assert len(wire) == 14 and wire == Banding().keys(norm(WIRE))  # the same keys in every process
    stories = StoryLog(log, capacity=100)
    assert stories.assign("b", copy) == "b"
    assert stories.assign("a", wire) == "b"  # joins the earlier story, though "a" < "b"
    assert stories.assign("a", wire) == "b" and stories.assign("b", copy) == "b"  # replays
    assert len(log) == 2  # one record per article, none for the replays
    first = json.loads(log["0"])
    assert (
        first["id"] == "b" and first["story"] == "b" and sorted(first["bands"]) == sorted(set(copy))
    )
    assert set(json.loads(log["1"])["bands"]).isdisjoint(
        first["bands"]
    )  # a band key is written once
    restored = StoryLog(dict(log), capacity=100)  # another worker, after restoring the table
    restored.rebuild()
    assert (
        restored.assign("a", wire) == "b"
        and restored.assign("c", wire) == "b"
        and len(restored) == 3
    )
    assert sorted(restored.log) == ["0", "1", "2"]  # numbering went on after the restored records


def test_the_stories_hop_message_round_trips_and_rejects_garbage():
    import pytest

    from processors.agents import unwrap, with_story, wrap
    from rasad.errors import BadInput

    article = Article(title="t", text=WIRE, source="x", story_id="")
    article_id, keys, body, signature = unwrap(wrap(["0:ab", "1:cd"], article, b"\x01\x02"))
    assert article_id == article.id and keys == ["0:ab", "1:cd"] and signature == b"\x01\x02"
    assert unwrap(wrap(["0:ab"], article))[3] is None  # a message from before signatures
    assert Article.from_json(with_story(body, "s1")) == article.model_copy(
        update={"story_id": "s1"}
    )
    for bad in (
        b"not json",
        b'{"bands": "x", "id": "a"}\n{"text": "y"}',
        b'{"bands": []}\n{}',
        b'{"id": "a", "bands": []}',
        b'{"id": "", "bands": []}\n{"text": "y"}',
    ):
        with pytest.raises(BadInput):
            unwrap(bad)


def test_a_log_with_a_capacity_stays_bounded_and_forgets_the_oldest_articles():
    from processors.stories import Banding, StoryLog

    banding, log = Banding(), {}
    stories = StoryLog(log, capacity=5)
    texts = [
        f"Report number {n}: talks between delegations {n} resumed in city {n * 7} on day {n}."
        for n in range(30)
    ]
    for n, text in enumerate(texts):
        assert stories.assign(f"a{n}", banding.keys(norm(text))) == f"a{n}"
        assert len(log) == min(n + 1, 5) and len(stories) == min(
            n + 1, 5
        )  # bounded: old records are deleted
    assert stories.assign("b0", banding.keys(norm(texts[0]))) == "b0"  # a0 was forgotten
    assert stories.assign("b29", banding.keys(norm(texts[29]))) == "a29"  # a29 is remembered
    restored = StoryLog(dict(log), capacity=5)
    restored.rebuild()
    assert len(restored) == 5 and restored.assign("c29", banding.keys(norm(texts[29]))) == "a29"


def test_signature_agreement_estimates_the_jaccard_similarity_of_the_shingles():
    import random

    import numpy as np

    from processors.stories import Banding

    banding, rng = Banding(num_perm=256), random.Random(5)
    vocabulary = [f"w{i}" for i in range(5000)]
    for changed in (5, 40, 120):
        base = [rng.choice(vocabulary) for _ in range(300)]
        other = list(base)
        for i in rng.sample(range(300), changed):
            other[i] = rng.choice(vocabulary)
        shingles = [
            {" ".join(words[i : i + 3]) for i in range(len(words) - 2)} for words in (base, other)
        ]
        jaccard = len(shingles[0] & shingles[1]) / len(shingles[0] | shingles[1])
        agreement = float(
            np.mean(banding.signature(" ".join(base)) == banding.signature(" ".join(other)))
        )
        assert abs(agreement - jaccard) < 0.1, (
            changed,
            jaccard,
            agreement,
        )  # ~3 standard errors at 256 permutations


def test_processing_normalizes_once_and_the_stores_keep_it_only_as_text_norm(lexicon):
    from indexers.mapping import source
    from rasad.document import document

    article = process(
        Article(title="ضربات لداعش", text="وبالسورية " + WIRE, source="x"), lexicon, StoryIndex()
    )
    stemmer = lexicon.stemmer
    assert (
        article.normalized == stemmer.normalized(article.body)
        and "داعش" in article.normalized.split()
    )
    assert document(article, stemmer)["text_norm"] == article.normalized
    assert (
        document(article.model_copy(update={"normalized": None}), stemmer)["text_norm"]
        == article.normalized
    )
    assert "normalized" not in source(article, stemmer)["article"]


def test_a_table_in_the_older_format_is_ignored_not_fatal():
    from processors.stories import Banding, StoryLog

    old = {
        "id:a1": "a1",
        "log:0": '["0:ab"]',
        "seq:next": "1",
        "0:ab": "a1",
    }  # one entry per key, as before
    stories = StoryLog(dict(old), capacity=10)
    stories.rebuild()
    assert len(stories) == 0 and stories.assign("a2", Banding().keys(norm(WIRE))) == "a2"
    assert "0" in stories.log  # numbering starts at 0 beside the old entries


def test_articles_sharing_only_a_boilerplate_sentence_do_not_join_on_one_band():
    import random

    from processors.stories import Banding, StoryLog

    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(20000)]
    boilerplate = "Follow our live coverage of the conflict for the latest updates from the region."
    banding = Banding()
    checked, unchecked = StoryLog({}, 10_000), StoryLog({}, 10_000)
    joined = {"checked": 0, "unchecked": 0}
    for n in range(1500):
        words = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(20, 60)))
        keys, signature = banding.keys_and_signature(norm(f"{words} {boilerplate}"))
        joined["checked"] += checked.assign(f"a{n}", keys, signature) != f"a{n}"
        joined["unchecked"] += unchecked.assign(f"a{n}", keys) != f"a{n}"
    # One equal band alone (what the stories step went by before) put distinct articles together.
    assert joined["unchecked"] > 50 and joined["checked"] == 0
    # The signature survives the log: a restored log checks it too.
    restored = StoryLog(dict(checked.log), 10_000)
    restored.rebuild()
    keys, signature = banding.keys_and_signature(norm(f"{WIRE} {boilerplate}"))
    assert restored.assign("w1", keys, signature) == "w1"
    copy = banding.keys_and_signature(norm(f"Reuters - {WIRE} {boilerplate}"))
    assert restored.assign("w2", *copy) == "w1"


def test_articles_older_than_the_horizon_are_forgotten_whatever_the_capacity():
    from processors.stories import Banding, StoryLog

    banding, now = Banding(), [0.0]
    copy = "Reuters - " + WIRE.replace("two people", "two sources") + " Read more on our site."
    stories = StoryLog({}, capacity=100, horizon=3600, clock=lambda: now[0])
    assert stories.assign("a1", banding.keys(norm(WIRE))) == "a1"
    now[0] = 1800
    assert stories.assign("a2", banding.keys(norm(copy))) == "a1"  # within the hour
    now[0] = 3700  # a1 is over an hour old now, a2 is not
    stories.assign("x", banding.keys(norm("Ceasefire talks resumed in Cairo on Sunday.")))
    assert len(stories) == 2 and "0" not in stories.log
    assert stories.assign("a3", banding.keys(norm(copy))) == "a1"  # a2's keys carry the story
    assert stories.assign("a4", banding.keys(norm(WIRE))) == "a1"  # a1's own keys: forgotten,
    # but the copy's keys it shares still lead to the story
    now[0] = 9000
    assert stories.assign("a5", banding.keys(norm(copy))) == "a5"  # all forgotten: a new story
    assert len(stories) == 1


def test_the_embedded_runner_remembers_what_the_settings_say(lexicon, tmp_path):
    from processors.embedded import attach
    from rasad.bus.memory import MemoryBus
    from rasad.settings import Settings

    settings = Settings(data_dir=tmp_path, stories_remembered=1)
    bus, tagged = MemoryBus(), []
    attach(bus, settings, lexicon)
    bus.subscribe(settings.topic_tagged, lambda key, value: tagged.append(json.loads(value)))
    other = "Ceasefire talks in Cairo between the two sides resumed on Sunday after a pause."
    for url, text in [("https://a/1", WIRE), ("https://b/1", other), ("https://a/2", WIRE)]:
        bus.publish(settings.topic_raw, url, Article(url=url, text=text, source="x").to_json())
    bus.flush(10)
    stories = [article["story_id"] for article in tagged]
    assert len(stories) == 3 and stories[2] != stories[0]  # one remembered: the first forgotten


class _CountingLog(dict):
    """A log that counts what a changelogged table would send: writes and deletes."""

    writes = deletes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.deletes += 1
        super().__delitem__(key)

    def pop(self, key, *default):
        self.deletes += key in self
        return super().pop(key, *default)


def test_a_full_log_costs_one_changelog_message_per_article_not_two():
    from processors.stories import Banding, StoryLog

    banding, log = Banding(), _CountingLog()
    stories = StoryLog(log, capacity=10)
    for n in range(35):
        stories.assign(
            f"a{n}", banding.keys(norm(f"Dispatch {n}: delegation {n * 3} met in city {n}."))
        )
    assert (log.writes, log.deletes, len(log), len(stories)) == (35, 0, 10, 10)
    assert sorted(json.loads(v)["n"] for v in log.values()) == list(range(25, 35))
    assert sorted(map(int, log)) == list(range(10))  # the slots: record number modulo capacity


def test_a_log_written_with_another_layout_or_capacity_is_moved_into_its_slots():
    from processors.stories import Banding, StoryLog

    banding = Banding()
    texts = [
        f"Bulletin {n}: the ministry {n} said talks in town {n * 11} went on." for n in range(12)
    ]
    before = StoryLog({}, capacity=100)  # records 0..11 in slots 0..11
    for n, text in enumerate(texts):
        before.assign(f"a{n}", banding.keys(norm(text)))
    log = _CountingLog(before.log)
    smaller = StoryLog(log, capacity=5)  # restarted with a smaller window
    smaller.rebuild()
    assert len(smaller) == 5 and sorted(map(int, log)) == list(range(5))
    assert {json.loads(log[str(n % 5)])["id"] for n in range(7, 12)} == {
        f"a{n}" for n in range(7, 12)
    }
    assert smaller.assign("b11", banding.keys(norm(texts[11]))) == "a11"  # remembered
    assert smaller.assign("b3", banding.keys(norm(texts[3]))) == "b3"  # beyond the window


def test_a_full_window_of_remembered_articles_is_no_work_for_a_full_garbage_collection():
    from processors.stories import Banding, StoryLog

    banding = Banding()
    texts = [f"Delegation {n} met envoy {n * 3} in town {n * 7} on day {n}." for n in range(2000)]
    signed = [banding.keys_and_signature(norm(text)) for text in texts]
    stories = StoryLog({}, capacity=2000)

    def fill() -> None:
        for n, (keys, signature) in enumerate(signed):
            stories.assign(f"a{n}", keys, signature)

    assert walked_by(fill) < 100  # a NamedTuple an article: ~18,000 references
    assert len(stories) == 2000
