"""The taxonomy as data: concepts with standard ids and their surface forms in every language.

Loaded from ``taxonomy.yaml`` beside this file (or a path the caller gives) plus country
names from CLDR (babel) for every ISO 3166-1 country. Tagging and search both use the
``Lexicon``: tagging to find concepts in text, search to expand a word that names a
concept into that concept (so "ISIS" also finds articles that only say "داعش").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry
import yaml
from babel import Locale

from rasad.errors import ConfigError
from rasad.normalize import fold, is_arabic, strip_article, terms

LANGUAGES = ("ar", "en", "fr", "ru", "tr")
TAXONOMY = Path(__file__).with_name("taxonomy.yaml")


@dataclass(frozen=True)
class Concept:
    """Something an article can be about: an actor, a place, an event type or a keyword."""

    id: str
    kind: str
    label: str
    type: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    codes: dict[str, str] = field(default_factory=dict)
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Lexicon:
    """Concepts by id, and normalized surface forms (term tuples) to concept ids."""

    concepts: dict[str, Concept]
    surfaces: dict[tuple[str, ...], set[str]]
    version: int = 1

    def lookup(self, words: tuple[str, ...]) -> list[Concept]:
        """Concepts whose surface form normalizes to exactly these terms."""
        return [self.concepts[i] for i in sorted(self.surfaces.get(words, ()))]

    @property
    def max_form_length(self) -> int:
        return max((len(k) for k in self.surfaces), default=1)


def arabic_vocabulary(path: Path | None = None) -> set[str]:
    """Folded, article-stripped Arabic words of every surface form: the stemmer's known words."""
    data = _read(path or TAXONOMY)
    forms = [f for c in data.get("concepts", []) for f in (c.get("forms") or {}).get("ar", [])]
    forms += [f for c in (data.get("country_forms") or {}).values() for f in c.get("ar", [])]
    forms += list(Locale("ar").territories.values())
    return {strip_article(w) for form in forms for w in fold(form).split() if is_arabic(w)}


def load(path: Path | None = None) -> Lexicon:
    """Load the taxonomy (cached per path); raise ``ConfigError`` if it is malformed."""
    return _load(path or TAXONOMY)


@lru_cache(maxsize=4)
def _load(path: Path) -> Lexicon:
    data = _read(path)
    concepts: dict[str, Concept] = {}
    for entry in data.get("concepts", []):
        try:
            concept = Concept(
                id=str(entry["id"]), kind=entry["kind"], label=entry["label"], type=entry.get("type"),
                country=entry.get("country"), lat=entry.get("lat"), lon=entry.get("lon"),
                codes={k: str(v) for k, v in (entry.get("codes") or {}).items()},
                forms={lang: tuple(forms) for lang, forms in (entry.get("forms") or {}).items()},
            )
        except KeyError as exc:
            raise ConfigError(f"taxonomy {path}: concept {entry!r} lacks {exc}") from exc
        concepts[concept.id] = concept
    for country in _countries(data.get("country_forms") or {}):
        concepts.setdefault(country.id, country)
    surfaces: dict[tuple[str, ...], set[str]] = {}
    for concept in concepts.values():
        for forms in concept.forms.values():
            for form in forms:
                key = tuple(terms(form))
                if key:
                    surfaces.setdefault(key, set()).add(concept.id)
    return Lexicon(concepts, surfaces, int(data.get("version", 1)))


@lru_cache(maxsize=4)
def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"taxonomy {path} is not a mapping")
    return data


def _countries(extra_forms: dict[str, dict[str, list[str]]]) -> list[Concept]:
    """Every ISO 3166-1 country, named in each supported language by CLDR."""
    locales = {lang: Locale(lang).territories for lang in LANGUAGES}
    out = []
    for country in pycountry.countries:
        code = country.alpha_2
        forms: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            names = [locales[lang].get(code)] + list(extra_forms.get(code, {}).get(lang, []))
            if lang == "en":
                names += [country.name, getattr(country, "common_name", None)]
            forms[lang] = [n for n in dict.fromkeys(names) if n]
        label = getattr(country, "common_name", None) or locales["en"].get(code) or country.name
        out.append(Concept(id=code, kind="place", label=label, type="country", country=code,
                           forms={k: tuple(v) for k, v in forms.items()}))
    return out
