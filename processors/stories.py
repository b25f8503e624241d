"""Stories: near-duplicate articles (one wire story from several sources) share a story id.

Each article is shingled into word 3-grams of its normalized terms and summarized by a MinHash
(64 permutations, seeded: the same text gives the same signature in every process). Like
MinHash LSH (datasketch's parameters for Jaccard 0.5: 14 bands of 4 rows), the signature is cut
into bands; two articles are candidates when some band is equal. The index is then just a
mapping **band key → story id**, plus **"id:" + article id → story id**:

* an article whose id is known keeps its story (a redelivery, or a corrected text at the same URL);
* else it joins the smallest story id its band keys map to (the story of the earliest similar
  article: a band key, once written, is never overwritten), or starts its own story (its id);
* its band keys not yet in the mapping, and its id, are set to that story.

Because a written key never changes, a replay (at-least-once) gets the story it got the first
time. The mapping is any ``MutableMapping``: in the embedded runner a bounded in-memory one
(``StoryIndex``); on the real stack a changelogged Faust table shared by every worker, which
survives restarts (``processors.agents``). Both remember the keys of a bounded number of recent
articles (``capacity``): a story older than that is forgotten, and a near-duplicate starts anew.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping

from datasketch import MinHash, MinHashLSH

from rasad.normalize import terms

_SHINGLE = 3
THRESHOLD, NUM_PERM = 0.5, 64


class Banding:
    """Cuts MinHash signatures into LSH bands, with datasketch's band/row split for a threshold."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM):
        self.num_perm = num_perm
        self.ranges = MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges  # [(start, end)] per band

    def keys(self, text: str) -> list[str]:
        """The band keys of a text: band number and a 64-bit digest of the band's hash values."""
        values = minhash(text, self.num_perm).hashvalues
        return [f"{band}:{hashlib.blake2b(values[start:end].tobytes(), digest_size=8).hexdigest()}"
                for band, (start, end) in enumerate(self.ranges)]


def assign(mapping: MutableMapping[str, str], article_id: str, band_keys: list[str], capacity: int | None = None) -> str:
    """The story id of an article with these band keys, recorded in ``mapping`` (see the module doc).

    With a ``capacity``, the mapping remembers the keys written by the last ``capacity``
    articles only: it logs which keys each article wrote and deletes those of the article that
    many articles back, so it stays bounded (a Faust table's changelog gets tombstones).
    """
    own = "id:" + article_id
    known = mapping.get(own)
    if known is not None:
        return known
    stories = [story for story in map(mapping.get, band_keys) if story is not None]
    story = min(stories) if stories else article_id
    written = [key for key in band_keys if key not in mapping] + [own]
    for key in written:
        mapping[key] = story
    if capacity:
        _log(mapping, written, capacity)
    return story


def remembered(mapping: MutableMapping[str, str], capacity: int) -> int:
    """How many articles' keys a mapping kept by ``assign(..., capacity)`` remembers."""
    return min(int(mapping.get(_NEXT, "0")), capacity)


_NEXT = "seq:next"  # the number of the next article logged


def _log(mapping: MutableMapping[str, str], written: list[str], capacity: int) -> None:
    """Log the keys this article wrote; forget those of the article ``capacity`` articles back."""
    number = int(mapping.get(_NEXT, "0"))
    mapping[f"log:{number}"] = json.dumps(written)
    mapping[_NEXT] = str(number + 1)
    oldest = mapping.pop(f"log:{number - capacity}", None)
    for key in json.loads(oldest) if oldest else ():
        mapping.pop(key, None)


class StoryIndex:
    """Story ids from an in-memory mapping that remembers the last ``capacity`` articles (not thread-safe)."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, capacity: int = 50_000):
        self.banding = Banding(threshold, num_perm)
        self.capacity = capacity
        self._keys: dict[str, str] = {}

    def __len__(self) -> int:
        """Articles remembered."""
        return remembered(self._keys, self.capacity)

    def assign(self, article_id: str, text: str) -> str:
        """The story id of this article, remembering it for the articles that follow."""
        if "id:" + article_id in self._keys:
            return self._keys["id:" + article_id]
        return assign(self._keys, article_id, self.banding.keys(text), self.capacity)


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash of the word 3-grams of the normalized text (of its words, when it is shorter)."""
    words = terms(text)
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    signature = MinHash(num_perm=num_perm, seed=1)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature
