"""The source contract: anything that yields articles (or the reason an input is not one)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from rasad.errors import BadInput
from rasad.model import Article


@dataclass(frozen=True)
class Item:
    """One input read from a source: an article, or the error that kept it from being one.

    ``origin`` says where it came from (a path with a line number, a feed URL and item id ...);
    ``raw`` is the input as received, for the dead-letter record.
    """

    origin: str
    article: Article | None = None
    error: BadInput | None = None
    raw: bytes = b""

    def __post_init__(self) -> None:
        if (self.article is None) == (self.error is None):
            raise ValueError(f"{self.origin}: an Item holds exactly one of an article and an error")


class Source(Protocol):
    """Something to read articles from."""

    def items(self) -> Iterator[Item]: ...
