"""Dashboards as data: the shipped dashboard loads, a user's file joins or replaces it, and a bad
file is refused with an error naming the file and the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dashboards import definition
from rasad.errors import ConfigError

PANEL = {"id": "langs", "title": "Languages", "kind": "terms", "field": "language"}


def write(folder: Path, name: str, board: dict | str) -> Path:
    path = folder / name
    path.write_text(board if isinstance(board, str) else yaml.safe_dump(board, allow_unicode=True))
    return path


def test_the_shipped_overview_has_every_panel_the_overview_needs(lexicon):
    boards = definition.load(None, lexicon)
    overview = boards[definition.DEFAULT]
    kinds = {p.id: (p.kind, p.field, p.chart) for p in overview.panels}
    assert kinds["rate"] == ("date_histogram", None, "bar")
    assert kinds["map"][0] == "geo"
    assert {kinds[p][1] for p in ("events", "actors", "places", "languages", "sources")} == {
        "events", "actors", "places", "language", "source"
    }  # fmt: skip
    mentions = next(p for p in overview.panels if p.id == "mentions")
    assert mentions.series == ["Q2429253", "airstrike", "SY"]
    assert {p.kind for p in overview.panels} >= {"metric", "search", "alerts"}
    assert overview.time_field == "ingested_at"


def test_a_user_file_adds_a_dashboard_and_can_replace_a_shipped_one(tmp_path, lexicon):
    write(
        tmp_path,
        "sahel.yaml",
        {"id": "sahel", "title": "Sahel", "query": "country:ML OR country:NE", "panels": [PANEL]},
    )
    write(tmp_path, "mine.yml", {"id": "geopolitical", "title": "Mine", "panels": [PANEL]})
    boards = definition.load(tmp_path, lexicon)
    assert boards["sahel"].panels[0].chart == "bar"  # a kind's default chart
    assert boards["geopolitical"].title == "Mine"


@pytest.mark.parametrize(
    ("panel", "message"),
    [
        ({**PANEL, "field": "text"}, "panel 'langs': field must be one of"),
        ({**PANEL, "field": None}, "panel 'langs'"),
        ({**PANEL, "kind": "radar"}, "panel 'langs', kind: Input should be"),
        (
            {**PANEL, "chart": "map"},
            "panel 'langs': a terms panel is drawn as bar or pie or table, not map",
        ),
        (
            {**PANEL, "filter": "lang:ar AND (country:SY"},
            "panel 'langs': filter: unbalanced parenthesis",
        ),
        ({**PANEL, "filter": "colour:red"}, "panel 'langs': filter: unknown filter 'colour'"),
        (
            {"id": "h", "title": "H", "kind": "date_histogram", "series": ["Q0000"]},
            "panel 'h': series: unknown concept id 'Q0000'",
        ),
        (
            {"id": "h", "title": "H", "kind": "date_histogram", "interval": "7s"},
            "panel 'h': interval must be auto or one of",
        ),
        ({"title": "no id", "kind": "metric"}, "panel #1, id: Field required"),
        ({**PANEL, "colour": "red"}, "panel 'langs', colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_panel_is_refused_naming_the_file_and_the_panel(tmp_path, lexicon, panel, message):
    path = write(tmp_path, "bad.yaml", {"id": "bad", "title": "Bad", "panels": [panel]})
    with pytest.raises(ConfigError) as refused:
        definition.load(tmp_path, lexicon)
    assert str(path) in str(refused.value) and message in str(refused.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id: x\ntitle: [unclosed\n", "cannot read it"),
        ("- just\n- a list\n", "expected a mapping"),
        ({"id": "x", "title": "X", "panels": []}, "panels: List should have at least 1 item"),
        ({"id": "x", "title": "X", "panels": [PANEL, PANEL]}, "two panels have the id 'langs'"),
        ({"id": "Bad Id", "title": "X", "panels": [PANEL]}, "id: String should match pattern"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(tmp_path, lexicon, content, message):
    path = write(tmp_path, "broken.yaml", content)
    with pytest.raises(ConfigError, match=r"broken\.yaml") as refused:
        definition.load(tmp_path, lexicon)
    assert message in str(refused.value), str(refused.value)
    assert str(path) in str(refused.value)


def test_a_missing_folder_is_a_configuration_error(tmp_path, lexicon):
    with pytest.raises(ConfigError, match="does not exist"):
        definition.load(tmp_path / "nowhere", lexicon)


def test_the_example_in_the_docs_loads(tmp_path, lexicon):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dashboards.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    write(tmp_path, "sahel.yaml", example)
    board = definition.load(tmp_path, lexicon)["sahel"]
    assert [p.kind for p in board.panels] == [
        "date_histogram",
        "date_histogram",
        "terms",
        "metric",
        "geo",
        "search",
    ]
