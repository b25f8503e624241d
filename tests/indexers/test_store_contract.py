"""One contract suite over every store engine (``tests.helpers.engines.ENGINES``), opened through
the registry: SQLite always, OpenSearch and Elasticsearch on the real test stack.

All must give the same answers on the known corpus (tests/indexers/corpus.py): the same hits
for the same cross-lingual, spelling-variant and filtered queries, the same facets and pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import wiring
from indexers.searchengine import SearchEngineStore
from rasad import concepts
from rasad.model import Article, Rejection, Tag
from rasad.query import parse
from rasad.store import SearchRequest, Store
from tests.helpers.engines import ENGINES, engine_settings
from tests.indexers.corpus import ALL, ISIS, SYRIA, corpus

STORES = ENGINES


def open_test_store(kind: str, tmp: Path, request) -> Store:
    """An empty store of ``kind`` (a fresh SQLite file or a fresh alias), schema set up."""
    return wiring.open_store(engine_settings(kind, tmp, request), concepts.load(), setup=True)


def drop(store: Store) -> None:
    if isinstance(store, SearchEngineStore):  # SQLite's file goes with the test's folder
        store.drop()
    store.close()


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    """A store of each kind holding the corpus (filled once per module: these tests only read)."""
    s = open_test_store(request.param, tmp_path_factory.mktemp(request.param), request)
    report = s.index(corpus())
    assert not report.rejected
    s.refresh()
    yield s
    drop(s)


def search(store: Store, text: str, lexicon=True, **options):
    return store.search(SearchRequest(parse(text, concepts.load(), expand=lexicon), **options))


def ids(store: Store, text: str, lexicon=True, **options) -> set[str]:
    result = search(store, text, lexicon, size=100, **options)
    assert result.total == len(result.hits)
    return {h.article.id for h in result.hits}


@pytest.mark.parametrize("variant", ["سوريا", "سورية", "سـوريـا", "سُورِيَا", "السورية"])
def test_arabic_spellings_of_syria_find_the_same_articles(store, variant):
    assert ids(store, variant) == SYRIA


@pytest.mark.parametrize("variant", ["داعش", "لداعش", "وداعش", "دَاعِش", "داعـــش"])
def test_arabic_variants_of_daesh_match_words(store, variant):
    # Without the lexicon only the words count: clitics, diacritics and tatweel are folded away.
    assert ids(store, variant, lexicon=False) == {"ar1", "ar2", "ar3"}


@pytest.mark.parametrize("query", ["ISIS", "داعش", "État islamique", "ИГИЛ", "DEAŞ"])
def test_cross_lingual_expansion_both_ways(store, query):
    found = ids(store, query)
    assert found == ISIS
    assert "ar1" in found and "fr1" in found  # ar1 only says داعش, fr1 only says État islamique


def test_expansion_highlights_the_concept_in_another_language(store):
    hit = next(h for h in search(store, "ISIS").hits if h.article.id == "ar1")
    assert any("<mark>داعش</mark>" in f for f in hit.highlights)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lang:ar", {"ar1", "ar2", "ar3", "ar4", "ar5"}),
        ("country:sy lang:fr", {"fr1", "fr2"}),
        ("type:airstrike", {"ar1", "en2", "tr1"}),
        ("source:reuters", {"en1", "en2", "en4"}),
        ("source:al-jazeera", {"ar1", "ar4"}),
        ("concept:Q7747", {"ru1", "ar4", "fr2"}),
        ("actor:Q43723 -lang:en", {"ar4"}),
        ("NOT country:SY", ALL - SYRIA),
        ("Raqqa OR Rakka", {"fr1", "en2", "tr1"}),
        ('"Rakka yakınlarında"', {"tr1"}),
        ('"yakınlarında Rakka"', set()),
        ("hava saldırısı", {"ar1", "en2", "tr1"}),  # names the airstrike: every language
        ('"hava saldırısı"', {"tr1"}),  # quoted: the words as written
        ("country:SY -type:airstrike lang:ar", {"ar2", "ar3", "ar4"}),
        ("(Poutine OR Putin) AND country:IL", {"ar4"}),
        ("since:2015-11-01 until:2015-11-30", {"tr1", "en3", "en4", "ar4", "fr2"}),
        ("country:SY since:2015-10-11", {"en2", "ru1", "tr1", "en3", "ar4", "fr2"}),
        ("place:163345", {"fr1", "en2"}),
        ("markets", {"en5"}),
        ("nothingmatchesthis", set()),
    ],
)
def test_filters_and_operators(store, query, expected):
    assert ids(store, query) == expected


def test_facets_of_everything(store):
    result = search(store, "", size=1)
    assert result.total == len(ALL)
    facets = {name: dict(buckets) for name, buckets in result.facets.items()}
    assert facets["language"] == {"ar": 5, "en": 5, "fr": 2, "ru": 1, "tr": 1}
    assert facets["country"] == {"SY": 10, "RU": 3, "IL": 2, "IQ": 1, "EG": 1}
    assert facets["concept"] == {"Q2429253": 6, "Q7747": 3, "Q43723": 2, "Q44329": 1}
    assert facets["event"] == {"airstrike": 3, "military-coordination": 1}
    assert facets["source"] == {
        "Reuters": 3,
        "Al Jazeera": 2,
        "Al Arabiya": 2,
        "Le Monde": 2,
        "Anadolu": 1,
        "RIA": 1,
        "Test Wire": 1,
        "Bulletin": 1,
        "Ahram": 1,
    }
    # Buckets come by count, then value, in both stores.
    assert [v for v, _ in result.facets["language"]] == ["ar", "en", "fr", "ru", "tr"]


def test_facets_follow_the_query(store):
    result = search(store, "داعش", size=1)
    assert dict(result.facets["language"]) == {"ar": 3, "fr": 1, "en": 1, "ru": 1}
    assert dict(result.facets["country"]) == {"SY": 5, "IQ": 1, "RU": 1}


def test_date_histogram(store):
    assert search(store, "", histogram="month").histogram == [
        ("2015-10", 7),
        ("2015-11", 5),
        ("2015-12", 1),
    ]
    assert search(store, "country:SY", histogram="day").histogram == [
        ("2015-10-01", 1),
        ("2015-10-02", 1),
        ("2015-10-03", 1),
        ("2015-10-05", 1),
        ("2015-10-11", 1),
        ("2015-10-12", 1),
        ("2015-11-02", 1),
        ("2015-11-03", 1),
        ("2015-11-05", 1),
        ("2015-11-20", 1),
    ]
    # Weeks are keyed by their Monday.
    assert search(store, "lang:ar", histogram="week").histogram == [
        ("2015-09-28", 3),
        ("2015-11-02", 1),
        ("2015-11-30", 1),
    ]


def test_script_in_text_comes_back_escaped(store):
    hit = search(store, "script").hits[0]
    assert hit.article.id == "en3"
    joined = " ".join(hit.highlights)
    assert "<script>" not in joined
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in joined


def test_sort_by_date_and_pagination(store):
    by_date = [h.article.id for h in search(store, "", sort="date", size=100).hits]
    assert by_date == [
        "ar5",
        "fr2",
        "ar4",
        "en4",
        "en3",
        "tr1",
        "ru1",
        "en2",
        "en1",
        "fr1",
        "ar3",
        "ar2",
        "ar1",
        "en5",
    ]  # newest first, the undated last
    pages = [search(store, "", sort="date", size=4, page=p) for p in (1, 2, 3, 4)]
    assert [h.article.id for page in pages for h in page.hits] == by_date
    assert all(page.total == len(ALL) for page in pages)
    assert [
        h.article.id for h in search(store, "country:SY", sort="date", size=3, page=2).hits
    ] == ["tr1", "ru1", "en2"]


def test_relevance_pages_do_not_overlap(store):
    pages = [search(store, "country:SY OR ISIS", size=4, page=p) for p in (1, 2, 3)]
    seen = [h.article.id for page in pages for h in page.hits]
    assert len(seen) == len(set(seen)) == len(SYRIA | ISIS)


def test_get_returns_the_article_with_its_tags(store):
    article = store.get("fr1")
    assert article is not None and article.title == "L'État islamique revendique l'attaque"
    assert {t.id for t in article.tags} == {"Q2429253", "SY", "163345"}
    assert store.get("missing") is None


@pytest.mark.parametrize("kind", STORES)
def test_redelivery_overwrites_and_never_duplicates(kind, tmp_path, request):
    store = open_test_store(kind, tmp_path, request)
    try:
        articles = corpus()
        store.index(articles)
        store.index(articles[:5])
        changed = articles[0].model_copy(update={"title": "عنوان جديد"})
        store.index([changed, *articles[5:]])
        store.refresh()
        stored = store.ids()
        assert sorted(stored) == sorted(ALL) and store.count() == len(ALL)
        assert store.get("ar1").title == "عنوان جديد"
        assert ids(store, "جديد", lexicon=False) == {"ar1"}
    finally:
        drop(store)


@pytest.mark.parametrize("kind", STORES)
def test_setup_is_idempotent(kind, tmp_path, request):
    store = open_test_store(kind, tmp_path, request)
    try:
        store.index(corpus()[:3])
        store.setup()
        store.setup()
        store.refresh()
        assert store.count() == 3
    finally:
        drop(store)


@pytest.mark.parametrize("kind", STORES)
def test_a_reader_before_the_first_article_gets_empty_answers(kind, tmp_path, request):
    # Readers do not set the store up (writers do): nothing there yet is an empty answer.
    store = wiring.open_store(engine_settings(kind, tmp_path, request), concepts.load())
    try:
        result = search(store, "ISIS")
        assert (result.total, result.hits) == (0, [])
        assert store.count() == 0 and store.ids() == [] and store.get("ar1") is None
    finally:
        store.close()


def test_quoting_keeps_the_literal_meaning(store):
    # "Islamic State" in quotes is those words, in English: not the concept in every language.
    assert ids(store, '"Islamic State"') == {"en1"}


@pytest.fixture(params=STORES)
def store_with_a_rejection(request, tmp_path):
    """A store holding one article about the group and one where the tagger rejected Isis."""
    s = open_test_store(request.param, tmp_path, request)
    group = Article(id="group", title="ISIS", text="ISIS fighters attacked a checkpoint.", tags=[])
    group = group.model_copy(
        update={"tags": [Tag(kind="actor", id="Q2429253", label="Islamic State")]}
    )
    actress = Article(
        id="actress",
        title="Isis Isis Isis",
        text="The actress Isis Valverde, Isis to her fans, plays Isis.",
        rejections=[Rejection(id="Q2429253", start=0, end=4, text="Isis", cue="actress")],
    )
    assert not s.index([group, actress]).rejected
    s.refresh()
    yield s
    drop(s)


def test_a_rejected_literal_ranks_below_the_concept_and_is_dropped_when_strict(
    store_with_a_rejection,
):
    s, lexicon = store_with_a_rejection, concepts.load()
    ranked = s.search(SearchRequest(parse("Isis", lexicon), size=10, histogram=None))
    assert [h.article.id for h in ranked.hits] == ["group", "actress"]
    strict = s.search(SearchRequest(parse("Isis", lexicon, strict=True), size=10))
    assert [h.article.id for h in strict.hits] == ["group"]
    literal = s.search(SearchRequest(parse('"Isis"', lexicon, strict=True), size=10))
    assert {h.article.id for h in literal.hits} == {"group", "actress"}


@pytest.mark.parametrize("kind", STORES)
def test_a_region_named_in_any_language_finds_its_tag(kind, tmp_path, request):
    # Concept ids like iso:UA-14 are stored as the filters compare them (lower case; QIDs and
    # country codes upper): every store must match a query's concepts in that form.
    store = open_test_store(kind, tmp_path, request)
    try:
        shelling = Article(
            id="donetsk",
            title="Shelling overnight",
            text="Shelling near the front line overnight, officials said.",
            language="en",
            tags=[Tag(kind="place", id="iso:UA-14", label="Donetsk Oblast")],
        )
        assert not store.index([shelling]).rejected
        store.refresh()
        assert ids(store, "Donbas") == ids(store, "Донбасс") == {"donetsk"}
    finally:
        drop(store)
