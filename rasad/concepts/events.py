"""How events are written: actor + act patterns and modality cues, read from ``events.yaml``.

Patterns become contextual forms of their event (the act, needing an actor nearby), so the
tagger finds them in its one pass like any other form; their rule is marked ``pattern`` (spans
on both parts, the same sentence, and the readings listed in ``replaces`` give way).
Modality cues become ``Cues``: phrases by match keys, each with its class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasad.concepts.forms import FormReader
from rasad.concepts.inflection import match_key
from rasad.errors import ConfigError

EVENTS = Path(__file__).with_name("events.yaml")
PATTERN_WINDOW = 10  # words between an act and its actor, at most (and in one sentence)
CUE_CLASSES = ("denied", "threatened", "claimed", "announced", "unverified", "refuted", "answered")


@dataclass(frozen=True)
class Cues:
    """Modality cue phrases by their match keys: ``(class, events it is limited to or None)``."""

    phrases: dict[tuple[str, ...], tuple[tuple[str, frozenset[str] | None], ...]] = field(
        default_factory=dict
    )
    suffixes: tuple[tuple[str, str], ...] = ()  # (ending of a folded word, class)
    starts: dict[str, int] = field(default_factory=dict)  # first key -> its longest phrase
    threats: frozenset[str] = frozenset()  # events that are a threat themselves (threat_events)

    @property
    def words(self) -> frozenset[str]:
        """Every key some phrase has: the words the tagger collects with their positions."""
        return frozenset(k for phrase in self.phrases for k in phrase)


def pattern_forms(
    data: dict[str, Any], event_ids: set[str]
) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Event id -> language -> the form entries the patterns add (acts needing an actor).

    Patterns of events the taxonomy does not have are left out.
    """
    out: dict[str, dict[str, list[dict[str, object]]]] = {}
    for event, by_language in (data.get("patterns") or {}).items():
        if event not in event_ids:  # a taxonomy of its own, without this event type
            continue
        for lang, patterns in (by_language or {}).items():
            for pattern in patterns or []:
                out.setdefault(event, {}).setdefault(lang, []).extend(_acts(pattern, event))
    return out


def _acts(pattern: dict[str, Any], event: str) -> list[dict[str, object]]:
    if not isinstance(pattern, dict) or not pattern.get("acts") or not pattern.get("actors"):
        raise ConfigError(f"events: a pattern of {event} needs acts and actors: {pattern!r}")
    rule = {
        "needs": [str(a) for a in pattern["actors"]],
        "avoids": [str(a) for a in pattern.get("avoids") or []],
        "window": int(pattern.get("window", PATTERN_WINDOW)),
        "pattern": True,
        "replaces": [str(e) for e in pattern.get("replaces") or []],
    }
    return [{"form": str(act), **rule} for act in pattern["acts"]]


def cues(data: dict[str, Any], reader: FormReader) -> Cues:
    """The modality cues of every language, keyed like the text."""
    phrases: dict[tuple[str, ...], list[tuple[str, frozenset[str] | None]]] = {}
    suffixes: list[tuple[str, str]] = []
    for lang, classes in (data.get("modality") or {}).items():
        for name, entries in (classes or {}).items():
            if name == "suffixes":
                suffixes += [(str(s), c) for c, ends in entries.items() for s in ends]
            elif name == "sought":
                for event, words in entries.items():
                    for word in words:
                        _add(phrases, reader, word, ("threatened", frozenset({event})))
            elif name in CUE_CLASSES:
                for word in entries or []:
                    _add(phrases, reader, word, (name, None))
            else:
                raise ConfigError(f"events: unknown modality cue class {name!r} ({lang})")
    frozen = {k: tuple(dict.fromkeys(v)) for k, v in phrases.items()}
    starts: dict[str, int] = {}
    for key in frozen:
        starts[key[0]] = max(starts.get(key[0], 0), len(key))
    threats = frozenset(map(str, data.get("threat_events") or ()))
    return Cues(frozen, tuple(suffixes), starts, threats)


def _add(
    phrases: dict[tuple[str, ...], list[tuple[str, frozenset[str] | None]]],
    reader: FormReader,
    text: object,
    entry: tuple[str, frozenset[str] | None],
) -> None:
    key = tuple(match_key(t) for t in reader.stemmer.terms(str(text)))
    if key:
        phrases.setdefault(key, []).append(entry)
