"""The seed article (an Elaph page, Arabic) gets the tags the issue
names, each with correct spans.
"""

from __future__ import annotations

import pytest

from processors.pipeline import process
from producers.pages import parse_page
from rasad.normalize import fold
from tests.helpers.paths import SEED

# concept id -> words at least one span must be (diacritics aside), proving
# the spans point at the mentions
EXPECTED = {
    "Q2429253": {"داعش", "الدولة الإسلامية"},
    "SY": {"سوريا", "السوري"},
    "RU": {"روسيا", "الروسي"},
    "US": {"الولايات المتحدة", "واشنطن"},
    "IL": {"إسرائيل", "الإسرائيلي"},
    "IR": {"إيران", "وإيران"},
    "Q7747": {"بوتين", "فلاديمير بوتين"},
    "Q44329": {"بشار الأسد", "الأسد"},
    "Q43723": {"بنيامين نتانياهو"},
    "airstrike": {"ضربات جوية", "بغارات جوية"},
    "military-coordination": {"تنسيق روسي إسرائيلي عسكري", "تنسيق روسي إسرائيلي"},
}


@pytest.fixture(scope="module")
def seed(lexicon):
    return process(parse_page(SEED.read_text(encoding="utf-8"), source="seed"), lexicon)


@pytest.mark.parametrize("concept_id", sorted(EXPECTED))
def test_seed_gets_the_concept_with_spans_that_point_at_it(seed, concept_id):
    tags = {t.id: t for t in seed.tags}
    assert concept_id in tags, f"{concept_id} not tagged; got {sorted(tags)}"
    tag = tags[concept_id]
    assert not tag.derived and tag.spans and 0 < tag.confidence <= 1
    body = seed.body
    for span in tag.spans:
        assert body[span.start : span.end] == span.text
    assert {fold(s.text) for s in tag.spans} & {fold(e) for e in EXPECTED[concept_id]}, [
        s.text for s in tag.spans
    ]


def test_seed_tags_carry_labels_and_standard_codes(seed):
    tags = {t.id: t for t in seed.tags}
    assert tags["Q7747"].label == "Vladimir Putin" and tags["Q7747"].kind == "actor"
    assert tags["airstrike"].codes["cameo"] == "195" and tags["airstrike"].kind == "event"
    assert tags["SY"].kind == "place" and tags["SY"].codes["iso3166"] == "SY"
    moscow = tags["geonames:524901"]
    assert moscow.label == "Moscow" and moscow.country == "RU" and abs(moscow.lat - 55.75) < 0.1


def test_seed_title_mention_of_isis_is_found(seed):
    isis = next(t for t in seed.tags if t.id == "Q2429253")
    title_end = len(seed.title)
    assert any(s.end <= title_end and s.text == "داعش" for s in isis.spans)
