"""Hostile inputs (hypothesis strategies): what a broken or malicious producer sends.

Each ``hostile_input(n)`` is ``(kind, bytes)``: one JSON line (no raw newline, so it also fits a
JSONL file) that no stage may accept as an article, of a kind whose dead-letter reason is known
(``REASONS``): broken JSON, deep nesting, lone surrogates, a huge text, empty or missing text,
wrong types, and text made only of control and bidi characters (empty once cleaned). Control and
bidi characters and HTML are sprinkled into the other fields. ``n`` makes each input unique, so
no producer drops one as a duplicate of another.

``nasty_article(n)`` is a valid article full of the same characters and markup: it must be
indexed (cleaned), never dead-lettered.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import strategies as st

CONTROLS = "".join(map(chr, [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HTML = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "</textarea><svg onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "&lt;b&gt; &amp;",
]
HUGE_CHARS = 1_050_000  # over the default RASAD_MAX_ARTICLE_CHARS (1,000,000)

# Where each kind ends, by the path it took: straight onto the raw topic (the tagger rejects it),
# or through a producer (files, HTTP push), which rejects what it can tell and sends the rest.
REASONS = {
    "broken_json": ("not_json", "not_json"),
    "deep_nesting": ("too_deep", "too_deep"),
    "lone_surrogate": ("bad_unicode", "bad_unicode"),
    "huge": ("too_large", "too_large"),
    "empty": ("invalid_article", "missing_text"),
    "wrong_type": ("invalid_article", "invalid_article"),
    "controls_only": ("invalid_article", "invalid_article"),
}


def reason(kind: str, through_producer: bool) -> str:
    """The dead-letter reason of a hostile input of ``kind``."""
    return REASONS[kind][through_producer]


_junk = st.text(alphabet=st.sampled_from(CONTROLS + BIDI + "<>&\"'/ مرحبا"), max_size=12)


def _decorated(n: int) -> st.SearchStrategy[dict]:
    """A URL and a title unique to ``n`` (producers drop exact duplicates: a title and text
    seen before), with control, bidi and HTML characters in the title and optional fields."""
    title = st.builds(lambda a, b: f"{a} item {n} {b}", _junk, st.sampled_from(HTML))
    return st.fixed_dictionaries(
        {"url": st.just(f"https://hostile.example/{n}"), "title": title},
        optional={"source": _junk, "byline": _junk},
    )


def _line(obj: object) -> bytes:
    return json.dumps(obj).encode()  # ASCII escapes: no raw line separator ends up inside


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return True
    return False


def _broken(n: int) -> st.SearchStrategy[bytes]:
    whole = _decorated(n).map(lambda d: _line({**d, "text": "Talks resumed in Geneva."}))
    cut = st.tuples(whole, st.floats(0.05, 0.95)).map(lambda p: p[0][: int(len(p[0]) * p[1])])
    swapped = whole.map(lambda b: b.replace(b'"', b"'", 1))
    printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    noise = st.text(printable, min_size=1, max_size=64).filter(str.strip).map(str.encode)
    return st.one_of(cut, swapped, noise).filter(_not_json)


def _deep(n: int) -> st.SearchStrategy[bytes]:
    depth = st.integers(40, 60_000)
    arrays = depth.map(lambda d: b"[" * d + b"]" * d)
    inside = st.tuples(_decorated(n), depth).map(
        lambda p: _line(p[0])[:-1] + b', "text": "x", "raw": ' + b"[" * p[1] + b"]" * p[1] + b"}"
    )
    objects = depth.map(lambda d: b'{"a":' * d + b"1" + b"}" * d)
    return st.one_of(arrays, inside, objects)


def _surrogate(n: int) -> st.SearchStrategy[bytes]:
    lone = st.sampled_from(["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\ud83d x"])
    field = st.sampled_from(["text", "title", "source"])

    def build(parts: tuple[dict, str, str]) -> bytes:
        fields, escape, name = parts
        fields = {**fields, "text": "Talks resumed in Geneva.", name: "@@"}
        return _line(fields).replace(b'"@@"', b'"a ' + escape.encode() + b' b"')

    return st.tuples(_decorated(n), lone, field).map(build)


def _huge(n: int) -> st.SearchStrategy[bytes]:
    filler = st.sampled_from(["word ", "داعش ", "ISIS Raqqa ", "x"])
    # Not ASCII-escaped: an Arabic megabyte stays ~2 MB, under the push endpoint's 5 MB.
    return st.tuples(_decorated(n), filler).map(
        lambda p: json.dumps(
            {**p[0], "text": p[1] * (HUGE_CHARS // len(p[1]) + 1)}, ensure_ascii=False
        ).encode()
    )


def _empty(n: int) -> st.SearchStrategy[bytes]:
    blank = st.sampled_from(["", " ", "\t\n  ", "\u3000"])
    return st.one_of(
        st.tuples(_decorated(n), blank).map(lambda p: _line({**p[0], "text": p[1]})),
        _decorated(n).map(_line),  # no text at all
    )


def _wrong_type(n: int) -> st.SearchStrategy[bytes]:
    wrong = st.one_of(st.integers(), st.lists(st.integers(), max_size=3), st.booleans())
    return st.one_of(
        st.tuples(_decorated(n), wrong).map(lambda p: _line({**p[0], "text": p[1]})),
        st.tuples(_decorated(n), wrong).map(
            lambda p: _line({**p[0], "text": "Valid text here.", "title": p[1] or 1})
        ),
        st.sampled_from([b"null", b"42", b'"just a string"', b"true"]),
    )


def _controls_only(n: int) -> st.SearchStrategy[bytes]:
    # It starts with a character str.strip() keeps, so a producer sends it; cleaning empties it.
    chars = st.text(alphabet=st.sampled_from(CONTROLS + BIDI)).map(lambda t: "\x01" + t)
    return st.tuples(_decorated(n), chars).map(lambda p: _line({**p[0], "text": p[1]}))


KINDS: dict[str, Callable[[int], st.SearchStrategy[bytes]]] = {
    "broken_json": _broken,
    "deep_nesting": _deep,
    "lone_surrogate": _surrogate,
    "huge": _huge,
    "empty": _empty,
    "wrong_type": _wrong_type,
    "controls_only": _controls_only,
}


def hostile_input(n: int, huge: bool = True) -> st.SearchStrategy[tuple[str, bytes]]:
    """One hostile input, unique to ``n``: ``(kind, one JSON line)``; ``huge``: allow 1 MB texts."""
    kinds = [k for k in KINDS if huge or k != "huge"]
    return st.sampled_from(kinds).flatmap(lambda k: KINDS[k](n).map(lambda b: (k, b)))


def hostile_json_bodies() -> st.SearchStrategy[bytes]:
    """Request bodies of every hostile kind but the huge one (for fast in-process fuzzing)."""
    return st.integers(0, 10**9).flatmap(lambda n: hostile_input(n, huge=False)).map(lambda p: p[1])


def nasty_article(n: int) -> dict:
    """A valid article with control and bidi characters and HTML in its fields, unique to ``n``."""
    return {
        "url": f"https://nasty.example/{n}",
        "title": f"Report {n} {HTML[n % len(HTML)]}\u202e\x07",
        "text": f"Delegates\x01 met\u2067 in Geneva {HTML[(n + 1) % len(HTML)]} on day {n}."
        + BIDI
        + " The talks went on.",
        "source": f"nasty\x1b wire {n}",
    }
