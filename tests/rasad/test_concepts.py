"""The taxonomy as data: standard ids, labels, forms in every language, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rasad import concepts
from rasad.errors import ConfigError

LANGS = set(concepts.LANGUAGES)


def test_actors_have_wikidata_or_project_ids_and_forms_in_every_language(lexicon):
    actors = [c for c in lexicon.concepts.values() if c.kind == "actor"]
    assert len(actors) >= 40
    for actor in actors:
        assert re.fullmatch(r"Q\d+|rasad:[a-z0-9-]+", actor.id), actor.id
        assert actor.label and set(actor.forms) == LANGS, actor.id
    assert {"Q2429253", "Q7747", "Q44329", "Q43723"} <= {a.id for a in actors}


def test_events_are_mapped_to_cameo_codes(lexicon):
    events = {c.id: c for c in lexicon.concepts.values() if c.kind == "event"}
    assert len(events) >= 15
    for event in events.values():
        assert re.fullmatch(r"\d{3,4}", event.codes["cameo"]), event.id
        assert set(event.forms) == LANGS
    assert events["airstrike"].codes == {"cameo": "195", "acled": "Air/drone strike"}
    assert events["threat-of-force"].codes["cameo"] == "138"
    assert events["shelling"].codes["cameo"] == "194"


def test_countries_and_cities_have_standard_ids(lexicon):
    places = [c for c in lexicon.concepts.values() if c.kind == "place"]
    countries = [c for c in places if c.type == "country"]
    cities = [c for c in places if c.type == "city"]
    assert len(countries) >= 240 and all(re.fullmatch(r"[A-Z]{2}", c.id) for c in countries)
    assert len(cities) >= 500
    for city in cities:
        assert (
            re.fullmatch(r"geonames:\d+", city.id) and city.lat is not None and city.lon is not None
        )
        assert city.country in lexicon.concepts
    aleppo = lexicon.concepts["geonames:170063"]
    assert aleppo.label == "Aleppo" and set(aleppo.forms) >= LANGS


def test_query_expansion_uses_unambiguous_forms_only(lexicon):
    assert [c.id for c in lexicon.lookup(tuple(lexicon.stemmer.terms("ISIS")))] == ["Q2429253"]
    assert "Q44329" not in [c.id for c in lexicon.lookup(tuple(lexicon.stemmer.terms("الأسد")))]


def test_a_malformed_taxonomy_is_a_config_error(tmp_path: Path):
    bad = tmp_path / "taxonomy.yaml"
    bad.write_text("concepts:\n  - {id: x, kind: weather, label: X}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kind must be one of"):
        concepts.load(bad)
    bad = tmp_path / "taxonomy2.yaml"
    bad.write_text(
        "concepts:\n  - {id: y, kind: event, label: Y, forms: {en: [{form: a, needs: "
        "['@nope']}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown context list"):
        concepts.load(bad)
