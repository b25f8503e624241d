"""Names that are not places, words that are not names: ``names.yaml`` read into match keys.

``Names`` holds what the tagger checks: given names among the lexicon's place and actor names
(their forms get a ``person`` rule, so context decides them), titles, place words, sports words
and phrases that are not mentions (``blocking``: index entries that name nothing, so their
words are read as one phrase and never on their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from rasad.concepts.inflection import match_key
from rasad.errors import ConfigError
from rasad.normalize import Stemmer

NAMES = Path(__file__).with_name("names.yaml")


@dataclass(frozen=True)
class Names:
    """The cues of ``names.yaml`` as match keys (see the module doc and names.yaml)."""

    given: frozenset[tuple[str, ...]] = frozenset()  # with ``common``: forms given a person rule
    titles: frozenset[str] = frozenset()
    place_words: frozenset[str] = frozenset()
    sport: frozenset[str] = frozenset()
    sport_unless: frozenset[str] = frozenset()
    sport_at: frozenset[str] = frozenset()  # the word before a city that makes it the venue
    sport_window: int = 6
    blocking: tuple[tuple[str, ...], ...] = field(default=())
    patronymics: frozenset[str] = frozenset()
    common: frozenset[tuple[str, ...]] = frozenset()

    @cached_property
    def person_cues(self) -> frozenset[str]:
        """Titles and sports words: a text without any is spared the checks they start."""
        return self.titles | self.sport

    @property
    def cue_words(self) -> frozenset[str]:
        """The words the tagger collects with their positions for these checks."""
        return self.titles | self.sport | self.sport_unless


def load(stemmer: Stemmer, path: Path = NAMES) -> Names:
    """``names.yaml`` keyed by ``stemmer`` like article text; ``ConfigError`` if malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read names {path}: {exc}") from exc

    def keys(entries: dict[str, list[object]] | None) -> list[tuple[str, ...]]:
        texts = [t for lang in (entries or {}).values() for t in lang or []]
        keyed = (tuple(match_key(w) for w in stemmer.terms(str(t))) for t in texts)
        return [k for k in keyed if k]

    def words(name: str) -> frozenset[str]:
        entries = data.get(name) or {}
        if isinstance(entries, list):
            entries = {"all": entries}
        return frozenset(k[0] for k in keys(entries) if len(k) == 1)  # single words only

    return Names(
        given=frozenset(keys(data.get("given_names"))),
        titles=words("titles"),
        place_words=words("place_words"),
        sport=words("sport"),
        sport_unless=words("sport_unless"),
        sport_at=words("sport_at"),
        sport_window=int(data.get("sport_window", 6)),
        blocking=tuple(dict.fromkeys(k for k in keys(data.get("not_mentions")) if len(k) > 1)),
        patronymics=words("patronymics"),
        common=frozenset(keys(data.get("common_words"))),
    )
