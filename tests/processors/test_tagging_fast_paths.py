"""The tagger's fast paths give what the plain ways would: words and
offsets, matches, the tags themselves.

``tokenize`` splits the text at spaces and reads each distinct piece once, instead of folding the
whole text and running a word regex over it; ``find`` visits only the pieces that are not one
plain word; tags are built without re-validation. Each is checked against the straightforward
computation it replaces.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.mentions import find, prepare, tokenize
from processors.tagger import tag
from rasad import concepts
from rasad.concepts.inflection import match_key
from rasad.model import Article, Tag
from rasad.normalize import fold_with_offsets
from tests.helpers.collector import walked_by
from tests.processors.evaluation import cases

MARKS = "\u064e\u0650\u0651\u0652\u0640\u0670\u200b\u200c\u200d\u00ad\u0301\u061c"
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0621, max_codepoint=0x064A),
        st.sampled_from(MARKS),
        st.sampled_from(" .,-'’\n\t_«»"),
        st.characters(min_codepoint=0x0400, max_codepoint=0x044F),
        st.characters(min_codepoint=0x0041, max_codepoint=0x024F),
        st.characters(),
    ),
    max_size=80,
)
_WORD_RE = re.compile(r"[^\W_]+")
LEXICON = concepts.load()


def _plain(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Keys and original offsets the plain way: fold the whole
    text, find words, map offsets back.
    """
    folded = fold_with_offsets(text)
    found = list(_WORD_RE.finditer(folded.text))
    return [match_key(LEXICON.stemmer.stem(m.group())) for m in found], [
        folded.span(*m.span()) for m in found
    ]


@settings(deadline=None, max_examples=300)
@given(TEXT)
def test_tokenize_gives_the_words_and_offsets_of_folding_the_whole_text(text):
    keys, offsets = _plain(text)
    tokens = tokenize(text, LEXICON.stemmer)
    assert tokens.keys == keys
    located = tokens.matches([(i, i, ()) for i in range(len(keys))])
    assert [(m.start, m.end) for m in located] == offsets
    if len(keys) >= 2:  # a run of words spans from the first word's start to the last word's end
        run = tokens.matches([(0, len(keys) - 1, ())])[0]
        assert (run.start, run.end) == (offsets[0][0], offsets[-1][1])


def test_tags_built_without_validation_equal_validated_tags(lexicon):
    checked = 0
    for case in cases():
        article = Article(title=case.get("title", ""), text=case["text"], language=case["language"])
        for t in tag(article, lexicon):
            validated = Tag.model_validate(t.model_dump())
            assert validated == t and validated.model_dump_json() == t.model_dump_json()
            checked += 1
    assert checked > 100


def _words_of_the_lexicon() -> list[str]:
    """Surface forms (many of several words, the harder case) and
    the words context rules look for.
    """
    from rasad import concepts

    lexicon = concepts.load()
    forms = sorted(
        {f.text for c in lexicon.concepts.values() for fs in c.forms.values() for f in fs}
    )
    cues = sorted(
        {
            k
            for entry in lexicon.index.values()
            for _, rules in entry
            for r in rules
            if r
            for k in r.needs | r.avoids
        }
    )
    return [t for t in forms if " " in t or "-" in t][:300] + forms[::40] + cues


PIECES = st.one_of(
    st.sampled_from(_words_of_the_lexicon()),
    st.sampled_from(["the", "في", "и", "-", "—", "l'", "’s", "2015"]),
    TEXT,
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", " - ", ", ", "-"])


@settings(deadline=None, max_examples=300)
@given(st.lists(st.tuples(PIECES, SEPARATORS), max_size=40))
def test_find_visiting_pieces_equals_reading_word_by_word(lexicon, parts):
    # find visits only the pieces that are not one plain word; the Turkish path reads every word.
    text = "".join(piece + separator for piece, separator in parts)
    tokens = tokenize(text, lexicon.stemmer)
    visited, read = find(tokens, lexicon), find(replace(tokens, read=tokens.keys), lexicon)
    assert (visited.matches, visited.cues) == (read.matches, read.cues)


def test_a_lexicon_prepared_before_the_freeze_leaves_its_caches_out_of_every_full_collection(
    lexicon,
):
    # 3,000 distinct words and 1,000 distinct pieces naming a place: each fills the tagger's
    # caches with an entry (one that begins a form holds that form's position and spelling).
    text = " ".join([*(f"word{n}" for n in range(3000)), *(f"Syria-{n}" for n in range(1000))])
    unprepared, prepared = replace(lexicon), replace(lexicon)  # each gets lookups of its own
    prepare(prepared)
    walked = walked_by(lambda: find(tokenize(text, prepared.stemmer), prepared))
    # Unprepared, the lookups are built by the first text, after the freeze: walked ever after.
    walked_unprepared = walked_by(lambda: find(tokenize(text, unprepared.stemmer), unprepared))
    assert walked < 500 < 3000 < walked_unprepared
    assert len(find(tokenize(text, prepared.stemmer), prepared).matches) == 1000
