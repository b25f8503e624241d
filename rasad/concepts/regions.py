"""First-level regions (ISO 3166-2, from pycountry) as place concepts ``iso:XX-YY``.

Names come from pycountry (English romanization, French/Russian/Turkish translations from
iso-codes) and from ``regions.yaml`` (bare names, names needing a region word, regions named
after their capital city, which take that city's names). A name that needs a region word is a
contextual form: it counts only with one of the ``cues`` within two words, and then it is read
as the region instead of the city of the same name (the rule ``replaces`` city readings).
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
import yaml

from rasad.concepts.forms import FormReader
from rasad.errors import ConfigError

REGIONS = Path(__file__).with_name("regions.yaml")
LANGUAGES = ("ar", "en", "fr", "ru", "tr")
CITY_READINGS = "@city"  # in a rule's ``replaces``: every city reading of the match
_CUE_WINDOW = 3


def regions(
    reader: FormReader, city_names: dict[str, dict[str, list[str]]]
) -> list[dict[str, Any]]:
    """Concept fields (id, label, type, country, codes, forms) of every region.

    ``city_names``: GeoNames id -> language -> the names of that city (for ``after_city``).
    """
    data = _data()
    # Region words of every language: a name is shared by all (Adana'nın Kozan ilçesi).
    every = [w for words in (data.get("cues") or {}).values() for w in words]
    cues = dict.fromkeys(LANGUAGES, every)
    listed = set(data.get("names") or {}) | set(data.get("cue_names") or {})
    listed |= set(data.get("after_city") or {})
    out = []
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None and sub.code not in listed:
            continue
        raw = _forms_of(sub, data, cues, city_names)
        out.append(
            {
                "id": f"iso:{sub.code}",
                "label": _english(sub, data),
                "country": sub.country_code,
                "codes": {"iso3166_2": sub.code},
                "forms": reader.forms(raw, f"regions: {sub.code}"),
            }
        )
    return out


def arabic_names() -> list[str]:
    """The Arabic names regions.yaml gives (for the stemmer's vocabulary: وهلمند → هلمند)."""
    data = _data()
    return [
        name
        for table in ("names", "cue_names")
        for by_language in (data.get(table) or {}).values()
        for name in (by_language or {}).get("ar", [])
    ]


def _forms_of(
    sub: Any, data: dict[str, Any], cues: dict[str, list[str]], city_names: dict[str, Any]
) -> dict[str, list[object]]:
    code = sub.code
    bare: dict[str, list[object]] = {
        lang: list(v) for lang, v in ((data.get("names") or {}).get(code) or {}).items()
    }
    if sub.country_code in (data.get("bare_countries") or []) and code not in (
        data.get("bare_except") or []
    ):
        for lang, name in _pycountry_names(sub).items():
            bare.setdefault(lang, []).append(name)
    marked: dict[str, list[object]] = {lang: [] for lang in LANGUAGES}
    for lang, name in _pycountry_names(sub).items():
        marked[lang].append(name)
    for lang, names in ((data.get("cue_names") or {}).get(code) or {}).items():
        marked[lang] += list(names)
    gid = (data.get("after_city") or {}).get(code)
    if gid is not None:
        for lang, names in city_names.get(str(gid), {}).items():
            marked.setdefault(lang, []).extend(names)
    raw: dict[str, list[object]] = {lang: list(names) for lang, names in bare.items()}
    for lang, names in marked.items():
        rule = {"needs": cues.get(lang, []), "window": _CUE_WINDOW, "replaces": [CITY_READINGS]}
        for form in names:  # a mapping carries its own rule (Georgia needs Atlanta, not "state")
            entry: object = {**rule, **form} if isinstance(form, dict) else {"form": form, **rule}
            if entry not in raw.setdefault(lang, []) and form not in raw[lang]:
                raw[lang].append(entry)
    return raw


def _english(sub: Any, data: dict[str, Any]) -> str:
    names = ((data.get("names") or {}).get(sub.code) or {}).get("en") or []
    return names[0] if names else _plain(sub.name)


def _pycountry_names(sub: Any) -> dict[str, str]:
    """pycountry's name (and its plain-letters spelling) and its fr/ru/tr translations."""
    names = {"en": sub.name}
    for lang in ("fr", "ru", "tr"):
        translated = _translations(lang).gettext(sub.name)
        if translated != sub.name:
            names[lang] = translated
    return {lang: _plain(n) if lang == "en" else n for lang, n in names.items()}


def _plain(name: str) -> str:
    """Ḩalab → Halab, Dayr az Zawr stays: romanization marks dropped, "[city]" notes removed."""
    name = name.split(" [")[0].replace("‘", "").replace("’", "").replace("ʻ", "")
    decomposed = unicodedata.normalize("NFD", name)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=8)
def _translations(lang: str) -> gettext.NullTranslations:
    locales = os.path.join(os.path.dirname(pycountry.__file__), "locales")
    return gettext.translation("iso3166-2", locales, languages=[lang], fallback=True)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    try:
        data = yaml.safe_load(REGIONS.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read regions {REGIONS}: {exc}") from exc
    return data


__all__ = ["CITY_READINGS", "REGIONS", "regions"]
