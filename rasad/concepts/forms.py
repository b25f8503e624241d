"""Surface forms as written in the taxonomy: a plain string, or a mapping with a context rule.

A plain form always tags. ``{form: ISIS, exact: true}`` tags only in exactly that spelling;
``{form: Isis, needs: [...], avoids: [...]}`` is ambiguous and tags only with one of ``needs``
nearby (or the concept named unambiguously elsewhere) and none of ``avoids`` nearby; ``window: N``
narrows "nearby" to N words each side. Words in
``needs``/``avoids`` may name a shared list from the taxonomy's ``contexts`` as ``"@name"``.
A form written with a capital letter in Latin or Cyrillic script must be capitalized in the
text too ("Turkey" the country, not "turkey" the bird).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from rasad.concepts import variants
from rasad.concepts.inflection import match_key
from rasad.errors import ConfigError
from rasad.normalize import Stemmer

_CASED = re.compile(r"[A-Za-z\u00c0-\u024f\u0400-\u04ff]")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Rule:
    """When a match of a form counts. A form without a rule always counts."""

    needs: frozenset[str] = (
        frozenset()
    )  # match keys, one of which must be near (empty: none needed)
    avoids: frozenset[str] = frozenset()  # match keys, none of which may be near
    exact: str | None = None  # the spelling the text must have (word characters only, case kept)
    capitalized: bool = False  # the text must contain a capital letter
    window: int | None = (
        None  # words each side searched for needs/avoids (None: the tagger's default)
    )
    pattern: bool = False  # an act needing its actor (events.yaml): same sentence, both spans
    replaces: frozenset[str] = frozenset()  # readings of the match that give way when it fits
    person: bool = False  # also a given name (names.yaml): not the concept next to a person cue
    also: frozenset[str] = frozenset()  # concepts the form names too ("Israeli army": Israel)

    @property
    def contextual(self) -> bool:
        """True when the rule looks at the words around the match."""
        return bool(self.needs or self.avoids or self.person)

    def spelled(self, text: str) -> bool:
        """Whether the matched original text satisfies the spelling parts of the rule."""
        if self.exact is not None and _NON_WORD.sub("", text) != self.exact:
            return False
        return not self.capitalized or any(
            map(str.isupper, text)
        )  # map: no Python frame per character


@dataclass(frozen=True, slots=True)
class Form:
    """One surface form of a concept in one language, with its rule (None: always counts)."""

    text: str
    key: tuple[str, ...]  # match keys of its words
    rule: Rule | None
    inflected: bool = False  # generated from a written form (``variants``): never overrides one


class FormReader:
    """Turns taxonomy form entries into ``Form``s: words stemmed by one stemmer,
    ``@name`` context lists resolved.
    """

    def __init__(self, stemmer: Stemmer, contexts: dict[str, list[str]]):
        self.stemmer = stemmer
        self.contexts = contexts

    def forms(
        self, raw: dict[str, list[object]], where: str, inflect: Collection[str] = ()
    ) -> dict[str, tuple[Form, ...]]:
        """Every language's entries parsed, duplicates and empty forms dropped.

        ``inflect``: the languages whose forms get their plurals and duals (common nouns and
        adjectives, ``variants.inflected``), marked ``inflected``; a form spelled exactly
        (``exact: true``) is not inflected.
        """
        forms = {}
        for lang, entries in raw.items():
            parsed = [f for f in (self.form(e, where) for e in entries or []) if f is not None]
            if lang in inflect:
                parsed += [v for f in parsed for v in self._variants(f, lang)]
            forms[lang] = tuple(dict.fromkeys(parsed))
        return forms

    def _variants(self, form: Form, lang: str) -> list[Form]:
        if form.rule is not None and form.rule.exact is not None:
            return []
        out = []
        for text in variants.inflected(form.text, lang):
            words = self.stemmer.terms(text)
            key = tuple(match_key(w) for w in words)
            if words and key != form.key:
                out.append(Form(text, key, form.rule, inflected=True))
        return out

    def form(self, entry: object, where: str) -> Form | None:
        """A taxonomy form entry as a ``Form``.

        None when it has no words; ``ConfigError`` if malformed.
        """
        needs: list[object]
        avoids: list[object]
        replaces: list[object]
        also: list[object]
        if isinstance(entry, str):
            text, needs, avoids, exact, window = entry, [], [], False, None
            pattern, replaces, also = False, [], []
        elif isinstance(entry, dict) and isinstance(entry.get("form"), str):
            text, window = entry["form"], entry.get("window")
            needs, avoids, exact = (
                entry.get("needs") or [],
                entry.get("avoids") or [],
                bool(entry.get("exact")),
            )
            pattern, replaces = bool(entry.get("pattern")), entry.get("replaces") or []
            also = entry.get("also") or []
        else:
            raise ConfigError(
                f"{where}: a form is a string or {{form: ..., needs/avoids/exact}}, not {entry!r}"
            )
        words = self.stemmer.terms(text)
        if not words:
            return None
        capitalized = bool(_CASED.match(text)) and text[0].isupper()
        rule = Rule(
            needs=self._keys(needs, where),
            avoids=self._keys(avoids, where),
            exact=_NON_WORD.sub("", text) if exact else None,
            capitalized=capitalized and not exact,
            window=int(window) if window is not None else None,
            pattern=pattern,
            replaces=frozenset(map(str, replaces)),
            also=frozenset(map(str, also)),
        )
        return Form(text, tuple(match_key(w) for w in words), None if rule == Rule() else rule)

    def _keys(self, words: list[object], where: str) -> frozenset[str]:
        keys: set[str] = set()
        for word in words:
            if isinstance(word, str) and word.startswith("@"):
                if word[1:] not in self.contexts:
                    raise ConfigError(f"{where}: unknown context list {word!r}")
                keys |= self._keys(list(self.contexts[word[1:]]), where)
            else:
                keys.update(match_key(t) for t in self.stemmer.terms(str(word)))
        return frozenset(keys)
