"""The matcher's index (pairs of required keys) fires exactly the rules that evaluating every rule
on its own fires: generated query trees over generated documents, no parser or tagger between."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.matcher import DocumentView, Matcher, matches, requirements
from rasad.query import And, Filter, Node, Not, Or, Phrase, Query, Term

# A small vocabulary, so generated rules and documents meet often.
_WORDS = ["oil", "raqqa", "putin", "air", "strike", "نفط", "داعش"]
_CONCEPTS = ["Q1", "Q2", "SY"]
_FILTERS = [("lang", "ar"), ("lang", "en"), ("country", "SY"), ("source", "ap")]

_leaves = st.one_of(
    st.builds(
        lambda word, concepts, quoted: Term(word, (word,), tuple(concepts), quoted),
        st.sampled_from(_WORDS),
        st.lists(st.sampled_from(_CONCEPTS), max_size=2, unique=True),
        st.booleans(),
    ),
    st.builds(
        lambda words, concepts: Phrase(" ".join(words), tuple(words), tuple(concepts)),
        st.lists(st.sampled_from(_WORDS), min_size=2, max_size=3),
        st.lists(st.sampled_from(_CONCEPTS), max_size=1),
    ),
    st.builds(lambda f: Filter(*f), st.sampled_from(_FILTERS)),
)


def _trees(leaves: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    parts = st.lists(leaves, min_size=2, max_size=4).map(tuple)
    return st.one_of(st.builds(And, parts), st.builds(Or, parts), st.builds(Not, leaves))


_nodes = st.recursive(_leaves, _trees, max_leaves=8)
_days = st.sampled_from([None, datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)])
_queries = st.builds(
    lambda root, since, until, strict: Query("", root, since, until, strict=strict),
    st.one_of(st.none(), _nodes),
    _days,
    _days,
    st.booleans(),
)


@st.composite
def _documents(draw) -> dict:
    """A search document as ``rasad.document.document`` writes it (the fields matching reads)."""
    lang, country = draw(st.sampled_from(_FILTERS[:2])), draw(st.sampled_from(_FILTERS[2:3]))
    return {
        "text_norm": " ".join(draw(st.lists(st.sampled_from(_WORDS), max_size=12))),
        "concepts": draw(st.lists(st.sampled_from(_CONCEPTS), max_size=3, unique=True)),
        "rejected": draw(st.lists(st.sampled_from(_CONCEPTS), max_size=2, unique=True)),
        "language": lang[1],
        "countries": [country[1]] if draw(st.booleans()) else [],
        "source_key": draw(st.sampled_from(["ap", "reuters"])),
        "date": draw(st.sampled_from([None, "2024-03-01T00:00:00+00:00"])),
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(_queries, min_size=1, max_size=40), st.lists(_documents(), min_size=1, max_size=8))
def test_candidates_fire_exactly_what_evaluating_every_rule_fires(queries, documents):
    rules = {f"r{i}": q for i, q in enumerate(queries)}
    matcher = Matcher(rules)
    for doc in documents:
        view = DocumentView.of(doc)
        everyone = sorted(name for name, query in rules.items() if matches(query, view))
        assert set(everyone) <= matcher.candidates(view)
        assert matcher.match(view) == everyone


@settings(max_examples=300, deadline=None)
@given(_queries, _documents())
def test_a_matching_document_meets_every_requirement(query, doc):
    view = DocumentView.of(doc)
    if matches(query, view):
        assert all(view.keys & requirement for requirement in requirements(query.root))


def test_a_conjunction_is_found_by_its_two_rarest_requirements():
    oil, ap = Term("oil", ("oil",)), Filter("source", "ap")
    matcher = Matcher({"oil-ap": Query("", And((ap, oil)))})
    base = {"language": "en", "source_key": "ap", "date": None}
    assert matcher.candidates(DocumentView.of({**base, "text_norm": "oil"})) == {"oil-ap"}
    assert not matcher.candidates(DocumentView.of({**base, "text_norm": "gas"}))
    assert not matcher.candidates(DocumentView.of({**base, "text_norm": "oil", "source_key": "x"}))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), max_size=30),
    st.lists(st.sampled_from(_WORDS), min_size=2, max_size=4).map(tuple),
)
def test_a_phrase_is_found_where_its_terms_stand_side_by_side(terms, words):
    view = DocumentView.of({"text_norm": " ".join(terms)})
    side_by_side = any(tuple(terms[i : i + len(words)]) == words for i in range(len(terms)))
    assert view.has_phrase(words) == side_by_side
