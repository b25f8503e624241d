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
survives restarts (``processors.agents``).
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
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


def assign(mapping: MutableMapping[str, str], article_id: str, band_keys: list[str]) -> str:
    """The story id of an article with these band keys, recorded in ``mapping`` (see the module doc)."""
    own = "id:" + article_id
    known = mapping.get(own)
    if known is not None:
        return known
    stories = [story for story in map(mapping.get, band_keys) if story is not None]
    story = min(stories) if stories else article_id
    for key in band_keys:
        if key not in mapping:
            mapping[key] = story
    mapping[own] = story
    return story


class StoryIndex:
    """Story ids from an in-memory mapping that remembers about the last ``capacity`` articles.

    Not thread-safe: one per runner. Keys are forgotten least recently used first, so a story
    that keeps getting articles keeps its bands.
    """

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, capacity: int = 50_000):
        self.banding = Banding(threshold, num_perm)
        self.capacity = capacity
        self._keys: _Recent = _Recent(capacity * (len(self.banding.ranges) + 1))

    def __len__(self) -> int:
        """Articles remembered."""
        return self._keys.articles

    def assign(self, article_id: str, text: str) -> str:
        """The story id of this article, remembering it for the articles that follow."""
        if "id:" + article_id in self._keys:
            return self._keys["id:" + article_id]
        return assign(self._keys, article_id, self.banding.keys(text))


class _Recent(MutableMapping):
    """A mapping of at most ``size`` keys; reading or writing a key makes it the most recent."""

    def __init__(self, size: int):
        self.size, self.articles = size, 0
        self._data: OrderedDict[str, str] = OrderedDict()

    def __getitem__(self, key: str) -> str:
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        if key not in self._data:
            self.articles += key.startswith("id:")
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            oldest, _ = self._data.popitem(last=False)
            self.articles -= oldest.startswith("id:")

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.articles -= key.startswith("id:")

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash of the word 3-grams of the normalized text (of its words, when it is shorter)."""
    words = terms(text)
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    signature = MinHash(num_perm=num_perm, seed=1)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature
