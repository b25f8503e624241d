"""Property tests for the shared normalizer (rasad.normalize): tagging,
search and alerts rely on them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rasad import concepts
from rasad.normalize import Stemmer, by_length, fold, fold_with_offsets, words

STEMMER = concepts.load().stemmer  # the vocabulary documents and queries are stemmed with

ARABIC = st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=40)
MIXED = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.sampled_from(" .,-'’\n"),
        st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),
        st.characters(min_codepoint=0x0041, max_codepoint=0x024F),
    ),
    max_size=60,
)
ANY = st.text(max_size=60)  # any Unicode: controls, combining marks, emoji, every script
# Caches warm up on first calls; timing says nothing here.
NO_DEADLINE = settings(deadline=None)


@NO_DEADLINE
@given(st.one_of(ANY, MIXED))
def test_fold_is_idempotent_and_never_longer(text):
    once = fold(text)
    assert fold(once) == once
    assert len(once) <= len(text)


@NO_DEADLINE
@given(st.one_of(ANY, MIXED))
def test_terms_are_idempotent(text):
    terms, normalized = STEMMER.terms, STEMMER.normalized
    assert terms(normalized(text)) == terms(text)
    assert normalized(normalized(text)) == normalized(text)


@NO_DEADLINE
@given(ARABIC)
def test_stem_is_idempotent_on_folded_words(text):
    stem = STEMMER.stem
    for word in words(text):
        assert stem(stem(word)) == stem(word)


def test_a_clitic_is_peeled_only_before_a_known_word():
    stemmer = Stemmer({"داعش"})
    assert [stemmer.stem(w) for w in words("لداعش وداعش بين وزير الداعش")] == [
        "داعش",
        "داعش",
        "بين",
        "وزير",
        "داعش",
    ]
    assert Stemmer(()).stem("لداعش") == "لداعش"  # unknown: only an article would go


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY, MIXED))
def test_offsets_map_every_folded_character_back_to_the_original(text):
    folded = fold_with_offsets(text)
    assert folded.text == fold(text)
    previous = -1
    for i, char in enumerate(folded.text):
        j = folded.to_original(i)
        assert previous < j < len(text)  # strictly increasing: spans never overlap or run backwards
        assert fold(text[j]) == char  # the original character folds to this one
        previous = j


@NO_DEADLINE
@given(st.one_of(ANY, MIXED), st.data())
def test_spans_of_folded_words_are_slices_of_the_original(text, data):
    folded = fold_with_offsets(text)
    if not folded.text:
        return
    start = data.draw(st.integers(0, len(folded.text) - 1))
    end = data.draw(st.integers(start + 1, len(folded.text)))
    a, b = folded.span(start, end)
    assert 0 <= a < b <= len(text)
    assert fold(text[a:b]).startswith(folded.text[start:end])


@NO_DEADLINE
@given(st.one_of(ANY, MIXED))
def test_fast_translation_equals_str_translate(text):
    from rasad.normalize import _TABLE, _translate

    assert _translate(text) == text.translate(_TABLE)


AFFIXES = st.lists(st.text(alphabet="abcdو", min_size=1, max_size=4), min_size=1, max_size=12)


@NO_DEADLINE
@given(AFFIXES, st.text(alphabet="abcdو", max_size=10), st.booleans())
def test_affixes_by_length_find_what_trying_each_affix_in_length_order_finds(
    affixes, word, longest_first
):
    # The stemmers look a word's head (or tail) up once per length instead of asking
    # startswith/endswith of each affix: the first affix found must be the same.
    ordered = sorted(set(affixes), key=len, reverse=longest_first)
    expected = [a for a in ordered if word.startswith(a)]
    found = [word[:n] for n, group in by_length(affixes, longest_first) if word[:n] in group]
    assert found == expected
