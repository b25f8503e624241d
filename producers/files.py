"""Files and folders: page-text dumps (.txt, anything else that is text) and JSONL/NDJSON exports."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from producers.pages import parse_page
from producers.sources import Item
from rasad.errors import BadInput
from rasad.model import Article

MAX_BYTES = 5 * 1024 * 1024
JSONL_SUFFIXES = (".jsonl", ".ndjson")


class FileSource:
    """Every file under the given paths (folders are walked, sorted, hidden files skipped)."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    def items(self) -> Iterator[Item]:
        for path in self.paths:
            if path.is_dir():
                for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                    yield from read_file(child)
            else:
                yield from read_file(path)


def read_file(path: Path) -> Iterator[Item]:
    """The articles in one file, or one error item saying why it has none."""
    origin = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        yield Item(origin, error=BadInput(f"{path}: no such file", reason="missing"))
        return
    except OSError as exc:
        yield Item(origin, error=BadInput(f"{path}: cannot read: {exc.strerror}", reason="unreadable"))
        return
    try:
        text = decode(data, path)
    except BadInput as exc:
        yield Item(origin, error=exc, raw=data[:4096])
        return
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from _jsonl(text, path)
        return
    try:
        yield Item(origin, article=parse_page(text, source=path.stem), raw=data)
    except BadInput as exc:
        yield Item(origin, error=BadInput(f"{path}: {exc}", reason=exc.reason), raw=data)


def decode(data: bytes, path: Path) -> str:
    """Bytes of a text file as str: UTF-8, else the detected encoding (Windows-1256 is common)."""
    if not data.strip():
        raise BadInput(f"{path}: file is empty", reason="empty")
    if len(data) > MAX_BYTES:
        raise BadInput(f"{path}: file is {len(data) / 1e6:.1f} MB, over the {MAX_BYTES // 2**20} MB limit", reason="too_large")
    if b"\x00" in data[:8192]:
        raise BadInput(f"{path}: binary file, not text", reason="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise BadInput(f"{path}: not text in any known encoding", reason="binary")
    return str(best)


def _jsonl(text: str, path: Path) -> Iterator[Item]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        try:
            yield Item(origin, article=Article.from_json(line), raw=line.encode())
        except BadInput as exc:
            yield Item(origin, error=BadInput(f"{origin}: {exc}", reason=exc.reason), raw=line.encode())
