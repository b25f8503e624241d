"""``rasad tag FILE…``: the evaluation interface (JSONL out, one line per input article)."""

from __future__ import annotations

import json

from tests.helpers.cli import invoke as rasad
from tests.helpers.paths import SEED


def test_tag_prints_one_json_line_per_article_with_spans(tmp_path):
    jsonl = tmp_path / "wire.jsonl"
    wire = {
        "title": "Airstrike near Raqqa",
        "text": "Warplanes struck ISIS positions near Raqqa in Syria.",
    }
    jsonl.write_text(
        json.dumps(wire) + "\n" + json.dumps({**wire, "source": "copy"}) + "\n", encoding="utf-8"
    )
    result = rasad("tag", str(SEED), str(jsonl), check=True)
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 3
    seed, first, copy = lines
    assert seed["language"] == "ar" and {"id", "language", "story_id", "tags"} <= set(seed)
    assert {"Q2429253", "SY", "RU", "Q7747", "airstrike", "military-coordination"} <= {
        t["id"] for t in seed["tags"]
    }
    for t in seed["tags"]:
        assert {"kind", "id", "label", "spans", "confidence"} <= set(t)
        assert all(s["end"] > s["start"] for s in t["spans"])
    raqqa = next(t for t in first["tags"] if t["id"] == "geonames:172955")
    assert raqqa["lat"] and raqqa["lon"] and raqqa["spans"][0]["text"] == "Raqqa"
    body = wire["title"] + "\n\n" + wire["text"]
    assert all(body[s["start"] : s["end"]] == s["text"] for t in first["tags"] for s in t["spans"])
    assert first["story_id"] == copy["story_id"] and seed["story_id"] != first["story_id"]


def test_bad_input_is_reported_and_the_rest_still_tagged(tmp_path):
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text('not json\n{"title": "t", "text": "Clashes in Aleppo."}\n', encoding="utf-8")
    result = rasad("tag", str(jsonl))
    assert result.returncode == 1
    assert "mixed.jsonl" in result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1 and "geonames:170063" in lines[0]


def test_events_carry_their_modality_and_explain_lists_the_rejections(tmp_path):
    jsonl = tmp_path / "wire.jsonl"
    wire = {
        "title": "Jordan Bardella visits a farm",
        "text": "Moscow denied that its jets had bombed the market. Erdogan said Turkey "
        "could launch a military operation.",
        "language": "en",
    }
    jsonl.write_text(json.dumps(wire) + "\n", encoding="utf-8")
    plain = json.loads(rasad("tag", str(jsonl), check=True).stdout.decode())
    assert "rejections" not in plain
    line = json.loads(rasad("tag", "--explain", str(jsonl), check=True).stdout.decode())
    tags = {t["id"]: t for t in line["tags"]}
    assert tags["airstrike"]["modality"] == "denied"
    assert {s["text"] for s in tags["airstrike"]["spans"]} == {"jets", "bombed"}
    assert tags["military-force"]["modality"] == "threatened"
    assert "JO" not in tags and "modality" not in tags["TR"]
    jordan = [r for r in line["rejections"] if r["id"] == "JO"]
    assert jordan and jordan[0]["span"]["text"] == "Jordan" and "Bardella" in jordan[0]["cue"]
