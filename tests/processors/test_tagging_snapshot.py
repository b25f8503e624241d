"""The processing stage's output on a fixed corpus is what it was when the snapshot was taken.

Speed work on the tagger must not change a single tag, span, rejection or normalized word.
A deliberate change of output (new rules, new data) regenerates the snapshot:
``python -m tests.processors.snapshot``; ``--full FILE`` writes every output to compare.
"""

from __future__ import annotations

import json

from tests.processors.snapshot import SNAPSHOT, digests


def test_every_article_is_processed_as_in_the_snapshot(lexicon):
    expected = json.loads(SNAPSHOT.read_text())
    found = digests(lexicon)
    changed = sorted(name for name in expected if found.get(name) != expected[name])
    assert len(found) == len(expected) > 1000
    assert not changed, f"{len(changed)} articles changed, e.g. {changed[:10]}"
