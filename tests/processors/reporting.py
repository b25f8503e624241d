"""Scoring the tagger on the reporting set (tests/processors/data/reporting-*.jsonl).

170 articles modelled on real wire copy in five languages, labelled before the tagger saw them
(the labelling rules: data/reporting-rules.md): ``gold`` ids a tagger must produce, ``traps``
it must not, ``keywords`` (keyword concepts, expected too), ``optional`` (acceptable, not
required: dropped from the predictions) and ``modality`` of each gold event. Every tag that is
not derived is scored. Kinds: country (ISO alpha-2), city (``geonames:``), region (``iso:``),
actor, event, keyword.

Actors the taxonomy gained after the set was labelled (``UNLABELLED_ACTORS``) are not scored:
the labellers could not name them, so a tag of one is neither right nor wrong by these labels
(each was checked by reading the dev articles that gained it: the RSF in Sudan, JNIM in Mali,
the IAEA on Iran's and Zaporizhzhia's nuclear sites).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from processors.tagger import tag
from rasad.concepts import Lexicon
from rasad.model import Article, Tag

DATA = Path(__file__).with_name("data")
DEV = DATA / "reporting-dev.jsonl"
HELDOUT = DATA / "reporting-heldout.jsonl"
TAG_KINDS = ("country", "city", "region", "actor", "event", "keyword")
UNLABELLED_ACTORS = frozenset(
    {
        "Q311440", "Q127998", "Q47488", "rasad:iaea", "rasad:rsf", "rasad:al-sharaa", "rasad:sisi",
        "rasad:mbs", "rasad:burhan", "rasad:hemedti", "rasad:pij", "rasad:pmf",
        "rasad:kataib-hezbollah", "rasad:naim-qassem", "rasad:pezeshkian", "rasad:m23",
        "rasad:jnim", "rasad:polisario", "rasad:syrskyi", "rasad:gerasimov", "rasad:belousov",
        "rasad:rubio",
    }
)  # fmt: skip


@dataclass
class Counts:
    """True positives, predictions and gold ids of one slice of the set."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    def add(self, predicted: set[str], gold: set[str]) -> None:
        self.tp += len(predicted & gold)
        self.predicted += len(predicted)
        self.gold += len(gold)

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f} R {self.recall:.3f} "
            f"(tp {self.tp}, predicted {self.predicted}, gold {self.gold})"
        )


@dataclass
class Report:
    """The scores of one part of the set: overall, per language, per tag kind, traps, modality."""

    overall: Counts = field(default_factory=Counts)
    languages: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    kinds: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    traps: int = 0  # trap ids in the set
    trap_hits: list[str] = field(default_factory=list)  # "article: id" of each trap tagged
    modality_right: int = 0  # gold events found with the labelled modality
    modality_found: int = 0  # gold events found (modality compared on these)
    modality_wrong: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def modality_accuracy(self) -> float:
        return self.modality_right / self.modality_found if self.modality_found else 1.0

    def lines(self) -> list[str]:
        """The report as text lines (printed by the tests, quoted in the docs)."""
        out = [f"overall  {self.overall}"]
        out += [f"  {lang}     {c}" for lang, c in sorted(self.languages.items())]
        out += [f"  {kind:<8} {self.kinds[kind]}" for kind in TAG_KINDS if kind in self.kinds]
        out.append(f"traps tagged: {len(self.trap_hits)} of {self.traps}")
        out.append(
            f"modality: {self.modality_right} of {self.modality_found} found events right "
            f"({self.modality_accuracy:.3f})"
        )
        return out


def cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def kind_of(concept_id: str, lexicon: Lexicon) -> str:
    """The scored kind of an id (gold ids not in the lexicon are read by their shape)."""
    if concept_id.startswith("geonames:"):
        return "city"
    if concept_id.startswith("iso:"):
        return "region"
    if len(concept_id) == 2 and concept_id.isupper():
        return "country"
    concept = lexicon.concepts.get(concept_id)
    return concept.kind if concept is not None else "actor"


def tags_of(case: dict, lexicon: Lexicon) -> list[Tag]:
    article = Article(title=case["title"], text=case["text"], language=case["language"])
    return tag(article, lexicon)


def score(path: Path, lexicon: Lexicon) -> Report:
    """Precision and recall over mentioned (not derived) tags, trap hits and modality."""
    report = Report()
    for case in cases(path):
        tags = [t for t in tags_of(case, lexicon) if not t.derived]
        predicted = {t.id for t in tags} - set(case.get("optional", ())) - UNLABELLED_ACTORS
        gold = set(case["gold"]) | set(case.get("keywords", ()))
        report.overall.add(predicted, gold)
        report.languages[case["language"]].add(predicted, gold)
        for kind in TAG_KINDS:
            report.kinds[kind].add(
                {i for i in predicted if kind_of(i, lexicon) == kind},
                {i for i in gold if kind_of(i, lexicon) == kind},
            )
        report.traps += len(case["traps"])
        report.trap_hits += [f"{case['id']}: {i}" for i in sorted(predicted & set(case["traps"]))]
        if predicted != gold:
            report.errors.append(
                f"{case['id']}: extra {sorted(predicted - gold)} missing {sorted(gold - predicted)}"
            )
        _score_modality(case, tags, report)
    return report


def _score_modality(case: dict, tags: list[Tag], report: Report) -> None:
    by_id = {t.id: t for t in tags}
    for event, wanted in case["modality"].items():
        found = by_id.get(event)
        if found is None:
            continue
        report.modality_found += 1
        got = getattr(found, "modality", None) or "carried_out"
        if got == wanted:
            report.modality_right += 1
        else:
            report.modality_wrong.append(f"{case['id']}: {event} {got} (want {wanted})")
