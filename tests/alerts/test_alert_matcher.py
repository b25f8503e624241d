"""The alert matcher agrees with search: the articles a rule fires on are the ones search returns,
on every store engine (SQLite, and OpenSearch and Elasticsearch on the real test stack)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wiring
from alerts.matcher import DocumentView, Matcher, anchors, matches
from indexers.searchengine import SearchEngineStore
from rasad import concepts
from rasad.document import document
from rasad.errors import BadInput
from rasad.query import parse
from rasad.store import SearchRequest, Store
from tests.alerts.corpus import QUERIES, tagged_corpus
from tests.helpers.engines import ENGINES, engine_settings


@pytest.fixture(scope="module", params=ENGINES)
def store(request, tmp_path_factory) -> Iterator[Store]:
    """The tagged corpus in a store of each engine (filled once per module: the tests only read)."""
    folder = tmp_path_factory.mktemp(request.param)
    opened = wiring.open_store(engine_settings(request.param, folder, request), concepts.load())
    opened.setup()
    assert not opened.index(list(tagged_corpus())).rejected
    opened.refresh()
    yield opened
    if isinstance(opened, SearchEngineStore):
        opened.drop()
    opened.close()


def searched(store: Store, query) -> set[str]:
    result = store.search(SearchRequest(query, size=100, facets=False, histogram=None))
    return {h.article.id for h in result.hits}


def fired(query_text: str, strict: bool = True) -> set[str]:
    """The articles a rule fires on (alerts parse strict: a rejected literal never fires)."""
    lexicon = concepts.load()
    matcher = Matcher({"rule": parse(query_text, lexicon, strict=strict)})
    return {
        a.id
        for a in tagged_corpus()
        if matcher.match(DocumentView.of(document(a, lexicon.stemmer)))
    }


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("text", QUERIES)
def test_fired_articles_equal_search_results(store, text, strict):
    query = parse(text, concepts.load(), strict=strict)
    assert fired(text, strict) == searched(store, query)


def test_a_literal_the_tagger_rejected_ranks_last_and_never_fires(store):
    actress = next(a.id for a in tagged_corpus() if a.source == "Screen")
    assert actress not in fired("ISIS")  # the alert: Isis the actress is not the group
    assert actress in fired('"Isis"')  # quoted: the literal word, whatever the tagger said
    ranked = store.search(SearchRequest(parse("ISIS", concepts.load()), size=100, histogram=None))
    ids = [h.article.id for h in ranked.hits]
    assert ids[-1] == actress and len(ids) == len(fired("ISIS")) + 1


def test_the_corpus_exercises_matching():
    # Guards the agreement test against a corpus where everything (or nothing) matches.
    assert len(fired("ISIS")) == 5  # ar (لداعش), en, fr (Daech), ru (ИГИЛ), tr (DEAŞ)
    assert len(fired("ISIS", strict=False)) == 6  # and the actress Isis, literally
    assert fired("لداعش") == fired("ISIS")
    assert len(fired("lang:ar")) == 3
    assert fired('"white house"') and not fired('"house white"')


_WORDS = [
    "ISIS",
    "Isis",
    '"Isis"',
    "داعش",
    "Putin",
    "Нетаньяху",
    "Syria",
    "Raqqa",
    "London",
    "oil",
    "الأسد",
    "Esad",
    "coordination",
    "lang:ar",
    "lang:ru",
    "country:SY",
    "country:RU",
    "type:airstrike",
    "source:ap",
    '"air strikes"',
    '"Vladimir Putin"',
]


@st.composite
def queries(draw) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4))
    joins = draw(
        st.lists(
            st.sampled_from([" ", " OR ", " -", " NOT "]),
            min_size=len(words) - 1,
            max_size=len(words) - 1,
        )
    )
    text = words[0] + "".join(j + w for j, w in zip(joins, words[1:], strict=True))
    return f"({text})" if draw(st.booleans()) else text


@settings(max_examples=150, deadline=None)
@given(queries(), st.booleans())
def test_agreement_on_generated_queries(store, text, strict):
    try:
        query = parse(text, concepts.load(), strict=strict)
    except BadInput:
        return
    assert fired(text, strict) == searched(store, query)


@settings(max_examples=100, deadline=None)
@given(st.lists(queries(), min_size=1, max_size=30))
def test_index_never_drops_a_matching_rule(texts):
    lexicon = concepts.load()
    rules = {}
    for i, text in enumerate(texts):
        try:
            rules[f"r{i}"] = parse(text, lexicon)
        except BadInput:
            continue
    matcher = Matcher(rules)
    for article in tagged_corpus():
        view = DocumentView.of(document(article, lexicon.stemmer))
        assert matcher.match(view) == sorted(n for n, q in rules.items() if matches(q, view))


def test_negations_are_unanchored_and_conjunctions_pick_one_part():
    lexicon = concepts.load()
    assert anchors(parse("-ISIS", lexicon).root) is None
    assert anchors(parse("London oil", lexicon).root) in ({("t", "london")}, {("t", "oil")})
    isis = anchors(parse("ISIS", lexicon).root)
    assert ("c", "q2429253") in isis and ("t", "isis") in isis
