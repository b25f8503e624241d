"""How events are reported, on sentences written for it: denials, threats, claims, and what a
threat answers.

``modality-dev.jsonl``: 27 short articles (5-6 per language) written after the modality code
and labelled before the tagger ran on them, modelled on the constructions of real wire copy
(a ministry "rejected reports that its warplanes had bombed", "не имеют ничего общего с
действительностью", "لم تنفذ أي غارة", "gerçeği yansıtmadığını", "vowed to retaliate for a drone
strike"). Scored: the modality of each labelled event the tagger finds. First run: 19 of 26
found events right (0.73); the cue vocabulary and the ``answered`` cue class came from it, so
this set is a development set now. ``modality-heldout.jsonl`` (11 more, written after those
changes and labelled before the tagger ran on them, scored once): 12 of 12 found events right
(the code before the changes: 8 of 11).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processors.tagger import tag
from rasad.model import Article

DATA = Path(__file__).with_name("data")
FLOOR = 0.9  # modality right among the labelled events found
FOUND = 0.8  # labelled events found at all


@pytest.mark.parametrize("part", ["dev", "heldout"])
def test_event_modality_on_wire_copy_constructions(lexicon, capsys, part):
    text = (DATA / f"modality-{part}.jsonl").read_text(encoding="utf-8")
    cases = [json.loads(line) for line in text.splitlines() if line]
    assert sorted({c["language"] for c in cases}) == ["ar", "en", "fr", "ru", "tr"]
    right = found = labelled = 0
    wrong = []
    for case in cases:
        article = Article(title=case["title"], text=case["text"], language=case["language"])
        events = {t.id: t.modality for t in tag(article, lexicon) if t.kind == "event"}
        for event, wanted in case["modality"].items():
            labelled += 1
            if event not in events:
                continue
            found += 1
            if events[event] == wanted:
                right += 1
            else:
                wrong.append(f"{case['id']}: {event} {events[event]} (want {wanted})")
    with capsys.disabled():
        print(f"\n[modality {part}] {right} of {found} found events right ({labelled} labelled)")
    assert found / labelled >= FOUND
    assert right / found >= FLOOR, wrong


def test_what_a_threat_answers_has_happened_and_the_threat_is_tagged(lexicon):
    article = Article(
        title="Militia vows revenge",
        text="The militia vowed to retaliate for a drone strike that killed two commanders.",
        language="en",
    )
    events = {t.id: t.modality for t in tag(article, lexicon) if t.kind == "event"}
    assert events == {"airstrike": "carried_out", "threat-of-force": "carried_out"}
    later = Article(
        title="Militia vows revenge",
        text="The militia vowed new drone strikes on the base.",
        language="en",
    )
    assert {t.id: t.modality for t in tag(later, lexicon) if t.kind == "event"}.get(
        "airstrike"
    ) == "threatened"
