"""Untrusted JSON refused with its reason before it can harm: nesting is measured on the text."""

from __future__ import annotations

import json

import pytest

from rasad import payload
from rasad.errors import BadInput


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize("kind", [bytes, str])
def test_nesting_is_refused_from_the_text_before_the_decoder_recurses(kind, monkeypatch):
    decoded = []
    loads = json.loads
    monkeypatch.setattr(payload.json, "loads", lambda data: decoded.append(data) or loads(data))

    def text(value: str) -> bytes | str:
        return value.encode() if kind is bytes else value

    with pytest.raises(BadInput) as refused:
        payload.decode(text(_nested(5000)))
    assert refused.value.reason == "too_deep" and decoded == []
    with pytest.raises(BadInput, match="deeper than 32"):
        payload.decode(text('{"a": ' + _nested(32) + "}"))
    assert decoded == []
    assert payload.decode(text(_nested(32)))  # exactly the limit: read
    assert len(decoded) == 1


@pytest.mark.parametrize(
    "body",
    [
        # brackets inside strings do not nest, whatever escapes surround them
        '{"a": "' + "[" * 40 + '", "b": [1]}',
        '{"a": "\\"' + "{" * 40 + '\\"", "b": [1]}',
        '{"a": "\\\\", "b": "' + "[" * 40 + '"}',
        '{"a": "\\\\\\"' + "[" * 40 + '"}',
        '["' + "]" * 40 + '", ' + _nested(30) + "]",
    ],
)
def test_brackets_inside_strings_are_not_nesting(body):
    assert payload.decode(body) == json.loads(body)
    assert payload.decode(body.encode()) == json.loads(body)


def test_a_string_ending_in_an_escaped_backslash_ends_there():
    # "\\" closes the string: the 40 brackets after it are structure, and too deep
    body = '["\\\\", ' + _nested(40) + "]"
    with pytest.raises(BadInput) as refused:
        payload.decode(body.encode())
    assert refused.value.reason == "too_deep"


def test_a_batch_of_flat_articles_with_brackets_in_their_text_is_read():
    batch = [
        {
            "title": f"[{n}] report",
            "text": 'He said "[see {note}]" \\ and left.',
            "tags": [["x", n]],
        }
        for n in range(1000)
    ]
    assert payload.decode(json.dumps(batch).encode()) == batch
    assert payload.decode(json.dumps(batch, ensure_ascii=False)) == batch
