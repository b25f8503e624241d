"""Scoring the tagger against the labelled set in tests/processors/data/labelled.jsonl."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from processors.tagger import tag
from rasad.concepts import Lexicon
from rasad.model import Article

LABELLED = Path(__file__).with_name("data") / "labelled.jsonl"


@dataclass
class Score:
    """Counts for one language: true positives, predicted tags, gold tags, and the misses."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0


def cases() -> list[dict]:
    return [
        json.loads(line)
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def evaluate(lexicon: Lexicon) -> dict[str, Score]:
    """Precision and recall per language over mentioned (not derived) tags."""
    scores: dict[str, Score] = defaultdict(Score)
    for case in cases():
        tags = tag(
            Article(title=case["title"], text=case["text"], language=case["language"]), lexicon
        )
        predicted, gold = {t.id for t in tags if not t.derived}, set(case["gold"])
        score = scores[case["language"]]
        score.tp += len(predicted & gold)
        score.predicted += len(predicted)
        score.gold += len(gold)
        if predicted != gold:
            score.errors.append(
                f"{case['id']}: extra {sorted(predicted - gold)} missing {sorted(gold - predicted)}"
            )
    return dict(scores)
