"""Untrusted JSON (a bus message, a request body, a file's line) decoded, or refused with a reason.

``json.loads`` alone lets three kinds of hostile input through to fail later, far from the
input: nesting deep enough to raise ``RecursionError`` (in the decoder or in whatever walks the
value next; and a decoder that recursed to the limit leaves no stack to anything that runs
inside it, such as a garbage collector's callback: it is refused before decoding), and a valid
escape of a lone surrogate (``"\\ud800"``), a string no UTF-8 encoder will write back.
``decode`` refuses them here with a ``BadInput`` reason, like any other bad JSON:

* ``not_json``: not UTF-8, or not JSON;
* ``too_deep``: arrays/objects nested deeper than ``MAX_DEPTH``;
* ``bad_unicode``: a string holding a lone surrogate.
"""

from __future__ import annotations

import json
import re

from rasad.errors import BadInput

MAX_DEPTH = 32  # an article is one flat object; a batch of them two levels
# A JSON escape of a surrogate (a pair decodes to one character, so only a lone one remains).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_IN_TEXT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# All but what shows how a JSON text nests: quotes and brackets.
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_NOT_STRUCTURE_IN_TEXT = re.compile(r'[^"\[\]{}]+')


def decode(data: bytes | str) -> object:
    """The JSON value of ``data``; ``BadInput`` (not_json, too_deep, bad_unicode) if it has none."""
    if _too_deep(data):  # refused before the decoder recurses into it
        raise BadInput(f"JSON nested deeper than {MAX_DEPTH} levels", reason="too_deep")
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"not JSON: {exc}", reason="not_json") from exc
    except RecursionError as exc:
        raise BadInput(f"JSON nested deeper than {MAX_DEPTH} levels", reason="too_deep") from exc
    pattern = _SURROGATE_ESCAPE if isinstance(data, (bytes, bytearray)) else _SURROGATE_IN_TEXT
    suspicious = pattern.search(data) is not None  # type: ignore[arg-type]
    check(value, strings=suspicious)
    return value


def _too_deep(data: bytes | str) -> bool:
    """Whether arrays and objects nest deeper than ``MAX_DEPTH`` in the JSON text ``data``.

    Counting the openers first makes it free for a flat document. Otherwise the escaped
    backslashes and quotes are dropped (every backslash of valid JSON starts an escape, so the
    pairs read left to right are the escapes), then all but quotes and brackets; the brackets
    between every other quote are outside strings, and only those are walked.
    """
    if isinstance(data, str):
        if data.count("[") + data.count("{") <= MAX_DEPTH:
            return False
        text = data.replace("\\\\", "").replace('\\"', "")
        # Only ASCII quotes and brackets are left: encoded, they are the bytes branch's.
        brackets = "".join(_NOT_STRUCTURE_IN_TEXT.sub("", text).split('"')[::2]).encode()
    else:
        if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
            return False
        unescaped = bytes(data).replace(b"\\\\", b"").replace(b'\\"', b"")
        brackets = b"".join(unescaped.translate(None, _NOT_STRUCTURE).split(b'"')[::2])
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_DEPTH:  # stops at the first level too deep
            return True
    return False


def check(value: object, strings: bool = True) -> None:
    """``BadInput`` if ``value`` nests over ``MAX_DEPTH`` deep or (``strings``) has lone surrogates.

    Iterative: a value too deep for recursion is refused, not a crash.
    """
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if strings and _SURROGATE.search(item):
                raise BadInput(
                    "JSON with a lone UTF-16 surrogate in a string (an escape such as \\ud800 "
                    "without its pair)",
                    reason="bad_unicode",
                )
            continue
        if isinstance(item, dict):
            children: list[object] = (
                [*item.keys(), *item.values()] if strings else list(item.values())
            )
        elif isinstance(item, list):
            children = item
        else:
            continue
        if not strings:  # only containers can be too deep
            children = [child for child in children if isinstance(child, (dict, list))]
        if depth >= MAX_DEPTH:
            raise BadInput(f"JSON nested deeper than {MAX_DEPTH} levels", reason="too_deep")
        pending.extend((child, depth + 1) for child in children)


def clean_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (for records and logs of bad input)."""
    return _SURROGATE.sub("\ufffd", text)
