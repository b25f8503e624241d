"""The taxonomy as data: concepts with standard ids and their surface forms in every language.

Loaded from ``taxonomy.yaml`` (actors, events, keywords, country variants) and ``places.yaml``
(cities, from the packaged GeoNames gazetteer) beside this file, plus country names from CLDR
(babel) for every ISO 3166-1 country. Tagging and search both use the ``Lexicon``: tagging to
find concepts in text (``index``, by match keys), search to expand a word that names a concept
into that concept (``lookup``: "ISIS" also finds articles that only say "داعش").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pycountry
import yaml
from babel import Locale

from rasad.concepts import cache, events, names, regions, variants
from rasad.concepts.forms import Form, FormReader, Rule
from rasad.concepts.gazetteer import PLACES, city_forms, country_geonames, plain, selected
from rasad.concepts.inflection import match_key
from rasad.errors import ConfigError
from rasad.normalize import Stemmer, fold, is_arabic, strip_article

LANGUAGES = ("ar", "en", "fr", "ru", "tr")
TAXONOMY = Path(__file__).with_name("taxonomy.yaml")
KINDS = ("actor", "place", "event", "keyword")
_COMMON_NOUNS = ("event", "keyword")  # kinds whose forms take plurals (names do not: Hama, Hamas)


# An index entry: (concept id, the rules of its forms with these words) for each concept they name.
_Entry = tuple[tuple[str, tuple[Rule | None, ...]], ...]


@dataclass(frozen=True, eq=False, slots=True)
class Concept:
    """Something an article can be about: an actor, a place, an event type or a keyword."""

    id: str
    kind: str
    label: str
    type: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int = 0  # places: to choose between places that share a name
    codes: dict[str, str] = field(default_factory=dict)
    forms: dict[str, tuple[Form, ...]] = field(default_factory=dict)


@dataclass
class Lexicon:
    """Concepts by id, and their surface forms by match keys.

    ``index`` maps a form's match keys to ``((concept id, rules), ...)`` pairs (tuples, not
    dicts: a lexicon of 100k forms must stay small); a ``None`` among the rules means some form
    counts unconditionally. ``starts`` gives, for a first key, the longest form
    starting with it, so a tagger tries only lengths that can match.
    """

    concepts: dict[str, Concept]
    index: dict[tuple[str, ...], _Entry]
    starts: dict[str, int]
    stemmer: Stemmer
    version: int = 1
    cues: events.Cues = field(default_factory=events.Cues)  # modality cue words (events.yaml)
    names: names.Names = field(default_factory=names.Names)  # person and sports cues (names.yaml)
    _words: frozenset[str] | None = field(default=None, repr=False)

    def lookup(self, words: tuple[str, ...]) -> list[Concept]:
        """Concepts named by exactly these normalized terms without context (query expansion).

        A form that is also a given name (Jordan) still names its concept in a query.
        """
        found = self.index.get(tuple(match_key(w) for w in words), ())
        return [
            self.concepts[cid]
            for cid, rules in sorted(found, key=lambda pair: pair[0])
            if any(rule is None or not (rule.needs or rule.avoids) for rule in rules)
        ]

    @property
    def words(self) -> frozenset[str]:
        """Every match key that occurs in some form, context rule or cue (computed once)."""
        if self._words is None:
            rules = {r for entry in self.index.values() for _, rs in entry for r in rs if r}
            self._words = frozenset(k for key in self.index for k in key).union(
                *(r.needs | r.avoids for r in rules), self.cues.words, self.names.cue_words
            )
        return self._words

    @cached_property
    def max_form_length(self) -> int:
        """Words in the longest form (computed once: callers ask per query or per rule)."""
        return max(self.starts.values(), default=1)

    @property
    def form_count(self) -> int:
        return sum(len(v) for v in self.index.values())


def build(
    concepts: Iterable[Concept],
    stemmer: Stemmer,
    version: int = 1,
    known_names: names.Names | None = None,
) -> Lexicon:
    """A lexicon over these concepts (the first with an id wins), whose forms ``stemmer`` read.

    ``known_names`` (names.yaml): forms that are also given names get a ``person`` rule, and
    phrases that are not mentions become entries that name nothing.
    """
    by_id: dict[str, Concept] = {}
    for concept in concepts:
        by_id.setdefault(concept.id, concept)
    index: dict[tuple[str, ...], _Entry] = {}
    written = [(c.id, f) for c in by_id.values() for fs in c.forms.values() for f in fs]
    for concept_id, form in written:
        if not form.inflected:
            index[form.key] = _with_rule(index.get(form.key, ()), concept_id, form.rule)
    taken = set(index)  # a generated variant never adds a reading to a written form
    for concept_id, form in written:
        if form.inflected and form.key not in taken:
            index[form.key] = _with_rule(index.get(form.key, ()), concept_id, form.rule)
    if known_names is not None:
        for key in (known_names.given | known_names.common) & set(index):
            index[key] = tuple((cid, _as_person(rules)) for cid, rules in index[key])
        for key in known_names.blocking:
            index.setdefault(key, ())  # names nothing: its words are not read on their own
    starts: dict[str, int] = {}
    for key in index:
        starts[key[0]] = max(starts.get(key[0], 0), len(key))
    lexicon = Lexicon(by_id, index, starts, stemmer, version)
    if known_names is not None:
        lexicon.names = known_names
    return lexicon


_UNCONDITIONAL: tuple[Rule | None, ...] = (None,)  # shared: most forms count unconditionally


def _as_person(rules: tuple[Rule | None, ...]) -> tuple[Rule | None, ...]:
    """The rules of a form that is also a given name: each marked ``person``."""
    return tuple(
        dict.fromkeys(
            Rule(person=True) if r is None else r if r.exact else replace(r, person=True)
            for r in rules
        )
    )


def _with_rule(entry: _Entry, concept_id: str, rule: Rule | None) -> _Entry:
    """The index entry with ``rule`` added to the concept's rules."""
    for i, (cid, rules) in enumerate(entry):
        if cid == concept_id:
            return entry if rule in rules else (*entry[:i], (cid, (*rules, rule)), *entry[i + 1 :])
    return (*entry, (concept_id, _UNCONDITIONAL if rule is None else (rule,)))


def load(path: Path | None = None) -> Lexicon:
    """Load the taxonomy (cached per path, and on disk: ``rasad.concepts.cache``).

    Raise ``ConfigError`` if it is malformed.
    """
    return _load(path or TAXONOMY)


def arabic_vocabulary(path: Path | None = None) -> set[str]:
    """Folded, article-stripped Arabic words of every surface form: the stemmer's known words.

    Read from the raw data (not the built lexicon, whose keys are themselves stemmed).
    """
    path = path or TAXONOMY
    data, places = _read(path), _read(PLACES)
    forms = [f for c in data.get("concepts", []) for f in (c.get("forms") or {}).get("ar", [])]
    forms += [f for c in (data.get("country_forms") or {}).values() for f in c.get("ar", [])]
    forms += [f for c in places.get("cities") or [] for f in (c.get("forms") or {}).get("ar", [])]
    forms += [w for words in (data.get("contexts") or {}).values() for w in words]
    forms += list(Locale("ar").territories.values())
    forms += [
        a for city, _ in selected(PLACES) for a in city.get("alternatenames") or [] if is_arabic(a)
    ]
    forms += regions.arabic_names()
    texts = [f.get("form", "") if isinstance(f, dict) else str(f) for f in forms]
    texts += [  # plurals and duals the lexicon generates (غارتين) take clitics too (وغارتين)
        v
        for c in data.get("concepts", [])
        if c.get("kind") in _COMMON_NOUNS
        for f in (c.get("forms") or {}).get("ar", [])
        for v in variants.inflected(f.get("form", "") if isinstance(f, dict) else str(f), "ar")
    ]
    return {strip_article(w) for text in texts for w in fold(text).split() if is_arabic(w)}


@lru_cache(maxsize=4)
def _load(path: Path) -> Lexicon:
    return cache.cached("lexicon", path, lambda: _build_from(path))


def _build_from(path: Path) -> Lexicon:
    data, written = _read(path), _read(events.EVENTS)
    contexts = {name: list(words) for name, words in (data.get("contexts") or {}).items()}
    reader = FormReader(Stemmer(arabic_vocabulary(path)), contexts)
    entries = _with_patterns(data.get("concepts", []), written)
    concepts = [_concept(entry, reader, path) for entry in entries]
    concepts += _countries(data.get("country_forms") or {}, reader)
    cities = _places(PLACES, reader, data.get("gazetteer_stop_forms") or {})
    concepts += cities + _regions(reader, cities)
    known_names = names.load(reader.stemmer)
    lexicon = build(concepts, reader.stemmer, int(data.get("version", 1)), known_names)
    lexicon.cues = events.cues(written, reader)
    return lexicon


def _with_patterns(entries: list[dict[str, Any]], written: dict[str, Any]) -> list[dict[str, Any]]:
    """The taxonomy's concept entries, events with the forms their patterns add (events.yaml)."""
    added = events.pattern_forms(written, {e["id"] for e in entries if e.get("kind") == "event"})
    out = []
    for entry in entries:
        more = added.get(str(entry.get("id")), {})
        if more:
            forms = {lang: list(f) for lang, f in (entry.get("forms") or {}).items()}
            for lang, extra in more.items():
                forms.setdefault(lang, []).extend(extra)
            entry = {**entry, "forms": forms}
        out.append(entry)
    return out


def _concept(entry: dict[str, Any], reader: FormReader, path: Path) -> Concept:
    try:
        cid, kind, label = str(entry["id"]), entry["kind"], entry["label"]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"taxonomy {path}: concept {entry!r} lacks {exc}") from exc
    if kind not in KINDS:
        raise ConfigError(
            f"taxonomy {path}: concept {cid}: kind must be one of {', '.join(KINDS)}, not {kind!r}"
        )
    return Concept(
        id=cid,
        kind=kind,
        label=label,
        type=entry.get("type"),
        country=entry.get("country"),
        lat=entry.get("lat"),
        lon=entry.get("lon"),
        codes={k: str(v) for k, v in (entry.get("codes") or {}).items()},
        forms=reader.forms(
            entry.get("forms") or {},
            f"taxonomy {path}: {cid}",
            inflect=LANGUAGES if kind in _COMMON_NOUNS else (),
        ),
    )


def _countries(extra: dict[str, dict[str, list[Any]]], reader: FormReader) -> list[Concept]:
    """Every ISO 3166-1 country, named in each language by CLDR plus the taxonomy's extra forms.

    An extra form with a rule replaces the CLDR form of the same
    spelling (مالي is also "financial").
    """
    locales = {lang: Locale(lang).territories for lang in LANGUAGES}
    geonames = country_geonames()
    out = []
    for country in pycountry.countries:
        code = country.alpha_2
        raw: dict[str, list[Any]] = {}
        for lang in LANGUAGES:
            added = list(extra.get(code, {}).get(lang, []))
            ruled = {fold(e["form"]) for e in added if isinstance(e, dict)}
            names = [locales[lang].get(code)]
            if lang == "en":
                names += [country.name, getattr(country, "common_name", None)]
            raw[lang] = [n for n in dict.fromkeys(names) if n and fold(n) not in ruled] + added
        label = getattr(country, "common_name", None) or locales["en"].get(code) or country.name
        codes = {"iso3166": code, **({"geonames": str(geonames[code])} if code in geonames else {})}
        out.append(
            Concept(
                id=code,
                kind="place",
                label=label,
                type="country",
                country=code,
                codes=codes,
                forms=reader.forms(raw, f"country {code}", inflect=("fr",)),  # ukrainiens
            )
        )
    return out


def _places(path: Path, reader: FormReader, stop_forms: dict[str, list[str]]) -> list[Concept]:
    stop = {lang: {plain(w) for w in words} for lang, words in stop_forms.items()}
    out = []
    known = {c.alpha_2 for c in pycountry.countries}  # XK (Kosovo) is not in ISO 3166-1
    for city, curated in selected(path):
        if city["countrycode"] not in known:
            continue
        english = next(
            (f for f in (curated.get("forms") or {}).get("en", []) if isinstance(f, str)),
            city["name"],
        )
        gid = str(city["geonameid"])
        out.append(
            Concept(
                id=f"geonames:{gid}",
                kind="place",
                label=english,
                type="city",
                country=city["countrycode"],
                lat=round(float(city["latitude"]), 5),
                lon=round(float(city["longitude"]), 5),
                population=int(city["population"]),
                codes={"geonames": gid},
                forms=city_forms(city, curated, reader, stop),
            )
        )
    return out


def _regions(reader: FormReader, cities: list[Concept]) -> list[Concept]:
    """First-level regions (``rasad.concepts.regions``), named also after their capital cities."""
    names = {
        c.id.split(":", 1)[1]: {lang: [f.text for f in fs] for lang, fs in c.forms.items()}
        for c in cities
    }
    return [
        Concept(kind="place", type="region", **fields) for fields in regions.regions(reader, names)
    ]


_YAML_LOADER = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)  # libyaml parses the data files ~10x faster


def _read(path: Path) -> dict[str, Any]:
    """The parsed data file (callers only read it: the lexicon and the
    stemmer's vocabulary share one parse).
    """
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    return _parsed(path, stamp)


@lru_cache(maxsize=8)
def _parsed(path: Path, stamp: int) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"taxonomy {path} is not a mapping")
    return data


__all__ = [
    "KINDS",
    "LANGUAGES",
    "TAXONOMY",
    "Concept",
    "Lexicon",
    "arabic_vocabulary",
    "build",
    "load",
]
