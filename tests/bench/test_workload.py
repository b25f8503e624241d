"""The benchmarks' synthetic workload: the share of articles the measured alert rule watches;
the alert stage the stream figures time."""

from __future__ import annotations

import pytest

import wiring
from alerts.evaluator import Evaluator
from alerts.rulestores.sqlite import SqliteRuleStore
from bench import alerts
from bench.alerts import _alert_stage
from bench.workload import alerting, fill, marked, standing_rules, workload
from processors.pipeline import process
from rasad.errors import BadInput
from rasad.model import Article, utcnow
from rasad.settings import Settings


def test_a_share_of_the_articles_evenly_spread_name_the_watched_organisation():
    every = workload(40, seed=3, marker=True)
    plain = workload(40, seed=3)
    twentieth = alerting(40, seed=3, share=0.05)
    chosen = [i for i, a in enumerate(twentieth) if a == every[i]]
    assert chosen == [19, 39] and marked(40, 0.05) == 2  # one in twenty, at the end of each
    assert all(twentieth[i] == plain[i] for i in range(40) if i not in chosen)
    assert alerting(40, seed=3, share=1.0) == every and marked(40, 1.0) == 40
    assert len({a["url"] for a in twentieth}) == 40


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5])
def test_the_alerting_share_must_be_a_share(share):
    with pytest.raises(BadInput, match="--alerting"):
        alerts.run(Settings(), share=share)


def test_produce_to_searchable_is_timed_per_article_until_a_search_finds_it():
    from bench.alerts_stack import _Searchable

    class Engine:  # a store that finds an article from its second search on
        def __init__(self):
            self.asked: dict[str, int] = {}

        def search(self, index, body, missing_ok=False):
            assert index == "bench-x" and missing_ok
            hits = []
            for i in body["query"]["ids"]["values"]:
                self.asked[i] = self.asked.get(i, 0) + 1
                if self.asked[i] >= 2:
                    hits.append({"_id": i})
            return {"hits": {"hits": hits}}

    searchable = _Searchable(Engine(), "bench-x", every=0.01)
    for article in ("a", "b", "c"):
        searchable.produced(article)
    searchable.finish(within=5)
    searchable.close()
    found = searchable.results()
    assert found["searchable_sent"] == [3.0] and len(found["searchable"]) == 3
    assert all(0.01 <= d < 5 for d in found["searchable"])  # at least one poll period late
    nothing = _Searchable(None, "bench-x")
    nothing.produced("a")
    nothing.finish(within=5)
    nothing.close()
    assert nothing.results() == {}


def test_the_alert_stage_claims_a_batch_at_once_and_admits_what_one_by_one_would(tmp_path):
    # bench alerts' stream figures claim a batch's matches in one ledger call, as the alerts
    # agent does: the alerts admitted must be those of claiming article by article.
    lexicon = wiring.lexicon()
    raw = workload(60, seed=5, marker=True)
    articles = [
        process(Article.model_validate({**a, "ingested_at": utcnow()}), lexicon) for a in raw
    ]
    rules = [*standing_rules(200, workload(50), firing="heavy"), {"name": "isis", "query": "ISIS"}]

    def evaluator(name: str) -> Evaluator:
        store = SqliteRuleStore(tmp_path / f"{name}.db")
        store.setup()
        fill(store, rules, lexicon)
        loaded = Evaluator(store, lexicon)
        loaded.reload(force=True)
        return loaded

    batched = _alert_stage(evaluator("batched"), articles, batch=25)
    assert batched == _alert_stage(evaluator("one-by-one"), articles, batch=1)
    assert batched >= len(articles)  # the watched rule alerts on every one
