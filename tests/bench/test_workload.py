"""The benchmarks' synthetic workload: the share of articles the measured alert rule watches."""

from __future__ import annotations

import pytest

from bench import alerts
from bench.workload import alerting, marked, workload
from rasad.errors import BadInput
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
