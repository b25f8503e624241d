"""Stories: near-duplicate articles (one wire story from several sources) share a story id.

Each article is shingled into word 3-grams of its normalized terms and summarized by a MinHash
(64 permutations, seeded: the same text gives the same signature in every process). Like
MinHash LSH (datasketch's parameters for Jaccard 0.5: 14 bands of 4 rows), the signature is cut
into bands; two articles are candidates when some band is equal. The index is then just a
mapping **band key → story id**, plus **article id → story id**:

* an article whose id is known keeps its story (a redelivery, or a corrected text at the same URL);
* else it joins the smallest story id among the articles its band keys lead to (a band key,
  once written, is never overwritten) whose signature agrees with its own on at least ``JOIN``
  of the values — the estimated Jaccard similarity: one equal band alone is a candidate, not a
  near-duplicate (distinct articles sharing a boilerplate sentence often share a band) — or
  starts its own story (its id);
* its band keys not yet in the mapping are set to it, and its id to that story.

Because a written key never changes, a replay (at-least-once) gets the story it got the first
time. Only recent articles are remembered (``capacity``): a story older than that is forgotten,
and a near-duplicate starts anew.

``StoryLog`` keeps both mappings, and each remembered article's signature (16 bits a value), in
an index and writes ONE record per article to a log mapping (sequence number → the article id,
its story, the band keys it added, when, and its signature), deleting the records ``capacity``
articles back and those older than the ``horizon``: what it holds is bounded however long the
stream runs. In the embedded runner the log and the index are dicts; on the real stack the log
is a changelogged Faust table shared by every worker (``processors.agents``; a few hundred bytes
an article, bounded by the window): two changelog messages per article, not one per key; the
index, ~15 keys an article, is in memory (a ``MemoryIndex``), rebuilt from the log after a
restart or a rebalance, so the worker's memory grows with the window until it is full.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import time
import zlib
from collections.abc import Callable, MutableMapping

import numpy as np
from datasketch import MinHashLSH

logger = logging.getLogger(__name__)
_SHINGLE = 3
_SEED = 1  # the same permutations, so the same signatures, in every process
_PRIME = (1 << 61) - 1  # a Mersenne prime: the universal hash's modulus
_MIX = tuple(
    np.uint64(k) for k in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
)  # odd 64-bit constants
THRESHOLD, NUM_PERM = 0.5, 64
# Estimated Jaccard similarity an article needs with a candidate to join its story: the LSH
# threshold less ~1.5 standard errors of an estimate from 64 values, so true near-duplicates
# at the threshold still join while articles sharing one band by chance (~0.1) do not.
JOIN = 0.4


class Banding:
    """MinHash signatures of texts, cut into LSH bands (datasketch's band/row split).

    The signature is computed here with numpy, all permutations at once: each word is hashed
    once (CRC-32), a 3-gram's hash mixes its three words' hashes, and permutation ``i`` maps a
    shingle hash ``x`` to ``(a_i * x + b_i) mod (2^61 - 1)``, kept to 32 bits; the signature is
    the minimum per permutation. The ``a``/``b`` are drawn from a fixed seed, so every process
    computes the same signature for the same text.
    """

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM):
        self.ranges = MinHashLSH(
            threshold=threshold, num_perm=num_perm
        ).hashranges  # [(start, end)] per band
        draw = np.random.RandomState(_SEED)
        self._a = draw.randint(1, _PRIME, size=num_perm, dtype=np.uint64)
        self._b = draw.randint(0, _PRIME, size=num_perm, dtype=np.uint64)

    def keys(self, normalized: str) -> list[str]:
        """The band keys of a text given as its normalized terms (``Stemmer.normalized``).

        A key is the band number and a 64-bit digest of the band's hash values.
        """
        return self.keys_and_signature(normalized)[0]

    def keys_and_signature(self, normalized: str) -> tuple[list[str], bytes]:
        """The band keys and the compact signature (``similarity`` compares two) of a text."""
        values = self.signature(normalized)
        keys = [
            f"{band}:{hashlib.blake2b(values[start:end].tobytes(), digest_size=8).hexdigest()}"
            for band, (start, end) in enumerate(self.ranges)
        ]
        # 16 bits of each value: equal values stay equal, unequal ones collide once in 65,536.
        return keys, (values & np.uint64(0xFFFF)).astype(np.uint16).tobytes()

    def signature(self, normalized: str) -> np.ndarray:
        """MinHash (``num_perm`` values) of the word 3-grams of the normalized text.

        Of its words, when there are fewer than three.
        """
        words = normalized.split()
        if len(words) < _SHINGLE:
            shingles = np.array([zlib.crc32(" ".join(words).encode("utf-8"))], dtype=np.uint64)
        else:
            hashed = np.fromiter(
                map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words)
            )
            with np.errstate(over="ignore"):  # products wrap modulo 2^64: that is the mixing
                mixed = (hashed[:-2] * _MIX[0] + hashed[1:-1] * _MIX[1] + hashed[2:]) * _MIX[2]
            shingles = mixed >> np.uint64(
                32
            )  # repeated 3-grams change no minimum: no need to drop them
        with np.errstate(over="ignore"):
            permuted = (shingles[:, None] * self._a + self._b) % np.uint64(_PRIME) & np.uint64(
                0xFFFFFFFF
            )
        return permuted.min(axis=0)


def similarity(signature: bytes, other: bytes) -> float:
    """Estimated Jaccard similarity of two texts: the share of equal values in their signatures."""
    return float(
        np.mean(np.frombuffer(signature, dtype=np.uint16) == np.frombuffer(other, dtype=np.uint16))
    )


class StoryLog:
    """Story ids by band keys and article ids for the last ``capacity`` articles (and at most
    ``horizon`` seconds back, if set), logged one record per article.

    ``log`` maps a sequence number (str) to a JSON record; it may hold records already
    (a restored Faust table): call ``rebuild`` whenever it may have changed behind this object.
    ``index`` holds the lookups (``b`` + band key → the article that wrote it, ``i`` + article
    id → its story and signature), read and written a whole article at a time. Not thread-safe.
    """

    def __init__(
        self,
        log: MutableMapping[str, str],
        capacity: int,
        horizon: float = 0.0,
        clock: Callable[[], float] = time.time,
    ):
        self.log, self.capacity, self.horizon, self.clock = log, capacity, horizon, clock
        self.index = MemoryIndex()
        self._oldest = self._next = 0  # the records kept are numbered oldest .. next - 1
        self._oldest_at: float | None = None  # when the oldest record was written, if known

    def __len__(self) -> int:
        """Articles remembered."""
        return self._next - self._oldest

    def rebuild(self) -> None:
        """The index again from the log's records, oldest first.

        Keys that are not record numbers (a table written by an older Rasad, one entry per band
        key) are left alone: the stories they knew start anew.
        """
        self.index.clear()
        keys = list(self.log)
        numbers = sorted(int(key) for key in keys if key.isdigit())
        if len(numbers) < len(keys):
            logger.warning(
                "stories: %d entries of an older table format ignored", len(keys) - len(numbers)
            )
        for number in numbers:
            self._apply(json.loads(self.log[str(number)]))
        self._oldest, self._next = (numbers[0], numbers[-1] + 1) if numbers else (0, 0)
        self._oldest_at = None
        self._expire()

    def assign(self, article_id: str, band_keys: list[str], signature: bytes | None = None) -> str:
        """The story id of an article with these band keys, remembered for those that follow.

        ``signature`` (``Banding.keys_and_signature``): a candidate found by a band joins only
        when the signatures agree on ``JOIN`` of their values (see the module doc); without one,
        or against an article remembered without one, a shared band is enough.
        """
        self._expire()  # what is past the horizon counts no more
        unique = list(dict.fromkeys(band_keys))
        # One read of every key: the id's entry, each band's writer; a second read only when some
        # band is known: the writers' stories and signatures.
        known, *writers = self.index.get_many(["i" + article_id, *("b" + key for key in unique)])
        if known is not None:
            return _entry(known)[0]
        found = dict(zip(unique, writers, strict=True))
        candidates = sorted({writer for writer in writers if writer is not None})
        entries = self.index.get_many(["i" + writer for writer in candidates]) if candidates else []
        stories = [
            story
            for story, theirs in map(_entry, filter(None, entries))
            if signature is None or theirs is None or similarity(signature, theirs) >= JOIN
        ]
        story = min(stories, default=article_id)
        record = {
            "id": article_id,
            "story": story,
            "bands": [key for key, known in found.items() if known is None],
            "at": (at := round(self.clock(), 1)),
        }
        if signature is not None:
            record["sig"] = base64.b64encode(signature).decode()
        self._apply(record)
        self.log[str(self._next)] = json.dumps(record)
        if self._next == self._oldest:
            self._oldest_at = at
        self._next += 1
        self._expire()
        return story

    def _expire(self) -> None:
        """Forget the records beyond the capacity, and those older than the horizon."""
        cutoff = self.clock() - self.horizon if self.horizon else None
        while self._oldest < self._next:
            full = self._next - self._oldest > self.capacity
            if not full and (cutoff is None or self._oldest_time() >= cutoff):
                return  # not full, and the oldest is within the horizon
            oldest = self.log.pop(str(self._oldest), None)
            if oldest is not None:
                self._forget(json.loads(oldest))
            self._oldest += 1
            self._oldest_at = None

    def _oldest_time(self) -> float:
        """When the oldest record kept was written: -inf if it is gone, inf if it does not say."""
        if self._oldest_at is None:  # not known yet: read it from the record, once
            raw = self.log.get(str(self._oldest))
            self._oldest_at = float(json.loads(raw).get("at", math.inf)) if raw else -math.inf
        return self._oldest_at

    def _apply(self, record: dict) -> None:
        article = record["id"]
        entry = json.dumps([record["story"], record.get("sig")])
        self.index.set_many(
            [*(("b" + key, article) for key in record["bands"]), ("i" + article, entry)]
        )

    def _forget(self, record: dict) -> None:
        self.index.discard_many([*("b" + key for key in record["bands"]), "i" + record["id"]])


def _entry(raw: str) -> tuple[str, bytes | None]:
    """An article's index entry: its story, and its signature if it was remembered with one."""
    story, signature = json.loads(raw)
    return story, None if signature is None else base64.b64decode(signature)


class MemoryIndex(dict[str, str]):
    """A ``StoryLog``'s lookups in a dict, read and written an article at a time (bounded by the
    log's capacity and horizon)."""

    def get_many(self, keys: list[str]) -> list[str | None]:
        return list(map(self.get, keys))

    def set_many(self, items: list[tuple[str, str]]) -> None:
        self.update(items)

    def discard_many(self, keys: list[str]) -> None:
        for key in keys:
            self.pop(key, None)


EMBEDDED_CAPACITY = 50_000  # articles an in-memory index keeps at most (~2.5 KB each)


class StoryIndex:
    """Story ids of texts, remembered in memory (the embedded runner's).

    For the last ``capacity`` articles and, if ``horizon`` (seconds) is set, no older than that:
    bounded however long the stream runs.
    """

    def __init__(
        self,
        threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        capacity: int = EMBEDDED_CAPACITY,
        horizon: float = 0.0,
    ):
        self.banding = Banding(threshold, num_perm)
        self.stories = StoryLog({}, capacity, horizon=horizon)

    def __len__(self) -> int:
        """Articles remembered."""
        return len(self.stories)

    def assign(self, article_id: str, normalized: str) -> str:
        """The story id of an article (given its normalized text), remembering
        it for the articles that follow.
        """
        return self.stories.assign(article_id, *self.banding.keys_and_signature(normalized))
