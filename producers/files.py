"""Files and folders: page-text dumps, JSONL/NDJSON exports and RSS/Atom feed files.

The kind of a file is told by its suffix: ``.jsonl`` / ``.ndjson`` are article objects, one a
line; ``.rss`` / ``.atom`` / ``.xml`` are feeds; anything else is read as a page-text dump.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from producers.charset import MAX_BYTES, decode
from producers.feeds import FEED_SUFFIXES, FeedSource
from producers.fetch import Fetcher
from producers.jsonl import read_jsonl
from producers.pages import parse_page
from producers.sources import Item
from rasad.errors import BadInput

JSONL_SUFFIXES = (".jsonl", ".ndjson")


def list_files(paths: list[Path]) -> list[Path]:
    """The files named, folders walked recursively in name order, hidden files skipped."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def estimate_items(files: list[Path]) -> int:
    """How many items reading these files will give, roughly (for a progress bar):
    lines of JSONL, 1 per other file.
    """
    total = 0
    for path in files:
        if path.suffix.lower() in JSONL_SUFFIXES:
            try:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


class FileSource:
    """Every article in the given files and folders."""

    def __init__(self, paths: list[Path], fetcher: Fetcher | None = None):
        self.paths = paths
        self.fetcher = fetcher

    def items(self) -> Iterator[Item]:
        for path in list_files(self.paths):
            yield from read_file(path, self.fetcher)


def read_file(path: Path, fetcher: Fetcher | None = None) -> Iterator[Item]:
    """The articles in one file, or one error item saying why it has none."""
    origin = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refused before reading it into memory
            raise BadInput(
                f"{path}: {size / 2**20:.1f} MB, over the {MAX_BYTES / 2**20:g} MB limit",
                reason="too_large",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        yield Item(origin, error=BadInput(f"{path}: no such file", reason="missing"))
        return
    except OSError as exc:
        yield Item(
            origin, error=BadInput(f"{path}: cannot read: {exc.strerror}", reason="unreadable")
        )
        return
    except BadInput as exc:
        yield Item(origin, error=exc)
        return
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        if fetcher is None:
            with Fetcher() as own:
                yield from FeedSource(path, own).items()
        else:
            yield from FeedSource(path, fetcher).items()
        return
    try:
        text = decode(data, str(path))
    except BadInput as exc:
        yield Item(origin, error=exc, raw=data[:4096])
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(text, origin, source=path.stem)
        return
    try:
        yield Item(
            origin,
            article=parse_page(text, source=path.parent.name if path.parent.name else path.stem),
            raw=data,
        )
    except BadInput as exc:
        yield Item(origin, error=BadInput(f"{path}: {exc}", reason=exc.reason), raw=data)
