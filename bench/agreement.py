"""Cross-lingual search agreement: the same queries get the same articles from every store.

Every store decides matches on the project's normalized terms (``text_norm``) and keyword
fields, never on an engine's own analyzers, so SQLite, OpenSearch and Elasticsearch must find
the same articles. This counts it on the sample corpus (``producers/samples``, tagged by the
project's tagger): one query per concept tagged in it and per language that has a name for it
(the concept's first form in that language: "ISIS", "داعش", "Daech", "ИГИЛ", "DEAŞ" …), each run
on every store with the lexicon's expansion, as search runs it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import wiring
from indexers.searchengine import SearchEngineStore
from processors.pipeline import process
from producers.corpus import SAMPLES
from producers.files import FileSource
from rasad.addresses import StoreAddress
from rasad.concepts import LANGUAGES, Lexicon
from rasad.errors import BadInput
from rasad.model import Article
from rasad.query import parse
from rasad.settings import Settings
from rasad.store import SearchRequest, SearchResult, Store

_KINDS = ("actor", "place", "event")


@dataclass
class Agreement:
    """How many queries every store answered alike, and the ones they did not."""

    stores: list[str]
    articles: int
    cases: int = 0
    identical: int = 0
    found: int = 0  # identical and not empty
    cross_lingual: int = 0  # identical, and found articles in a language other than the query's
    differing: list[str] = field(default_factory=list)


def sample_corpus(lexicon: Lexicon) -> list[Article]:
    """The sample articles, tagged (what the demo replays)."""
    return [
        process(item.article, lexicon) for item in FileSource([SAMPLES]).items() if item.article
    ]


def cases(articles: Sequence[Article], lexicon: Lexicon) -> list[tuple[str, str]]:
    """(language, query): every tagged concept named by its first form in each language."""
    tagged = sorted({t.id for a in articles for t in a.tags if t.kind in _KINDS})
    out = []
    for concept in (lexicon.concepts[i] for i in tagged if i in lexicon.concepts):
        for language in LANGUAGES:
            forms = concept.forms.get(language)
            if forms:
                text = forms[0].text
                out.append((language, f'"{text}"' if " " in text else text))
    return out


def measure(settings: Settings, engines: Sequence[StoreAddress]) -> Agreement:
    """Index the sample corpus into SQLite and each engine; run every case on each."""
    lexicon = wiring.lexicon()
    articles = sample_corpus(lexicon)
    languages = {a.id: a.language for a in articles}
    with tempfile.TemporaryDirectory(prefix="rasad-agreement-") as folder:
        sqlite = settings.model_copy(
            update={"store": StoreAddress("sqlite", path=Path(folder) / "rasad.db")}
        )
        alias = "agreement-" + Path(folder).name[-8:].lower().replace("_", "")
        places = [sqlite] + [
            settings.model_copy(update={"store": a, "index_alias": alias}) for a in engines
        ]
        stores = [wiring.open_store(s, lexicon, setup=True) for s in places]
        try:
            for store in stores:
                store.index(articles)
                store.refresh()
            return _compare(stores, articles, lexicon, languages)
        finally:
            for store in stores:
                if isinstance(store, SearchEngineStore):
                    store.drop()
                store.close()


def _compare(
    stores: list[Store], articles: list[Article], lexicon: Lexicon, languages: dict[str, str | None]
) -> Agreement:
    result = Agreement([s.url for s in stores], len(articles))
    for language, text in cases(articles, lexicon):
        try:
            query = parse(text, lexicon)
        except BadInput:
            continue  # a form the query language reads differently (none in the taxonomy today)
        request = SearchRequest(query, size=len(articles), facets=False, histogram=None)
        answers = [_answer(s.search(request)) for s in stores]
        result.cases += 1
        if len(set(answers)) == 1:
            result.identical += 1
            result.found += bool(answers[0][1])
            result.cross_lingual += any(languages[i] != language for i in answers[0][1])
        else:
            result.differing.append(f"{language}:{text}")
    return result


def _answer(result: SearchResult) -> tuple[int, frozenset[str]]:
    return result.total, frozenset(h.article.id for h in result.hits)
