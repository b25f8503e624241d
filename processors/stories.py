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
memory and writes ONE record per article to a log mapping (slot → the record's number, the
article id, its story, the band keys it added, when, and its signature). The slots are the
record numbers modulo ``capacity``, so the record of an article written over the slot of the one
``capacity`` articles back forgets that one; records older than the ``horizon`` are deleted:
what it holds is bounded however long the stream runs. In the embedded runner the log is a dict;
on the real stack it is a changelogged Faust table shared by every worker
(``processors.agents``; a few hundred bytes an article, bounded by the window): one changelog
message per article. The lookups (~15 keys an article, in a ``KeyTable``: 12 bytes a slot) are
rebuilt from the log after a restart or a rebalance. The key table is allocated for the whole
window at once (~100 MB at the 200,000-article default); the rest grows with the window until it
is full (~1.8 KB an article in all with the log's record: ``rasad bench soak``), then stays.
What is remembered of each article is a tuple of strings, bytes and numbers, which Python's
garbage collector stops tracking: a full window adds nothing to a full collection's pause (a
NamedTuple an article, it added ~60 ms at 200,000).
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
from typing import NamedTuple

import numpy as np
from datasketch import MinHashLSH

from processors.keytable import KeyTable, key_of

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
_KEYS_PER_ARTICLE = 15  # its bands (14) and its id
_PRESIZED = 250_000  # windows up to this many articles get their whole key table at once


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

    ``log`` maps a slot (str: the record's number modulo ``capacity``) to a JSON record; it may
    hold records already (a restored Faust table): call ``rebuild`` whenever it may have changed
    behind this object. Writing an article's record over the slot of the one ``capacity`` back
    forgets that one without a delete: one changelog message per article. The lookups are in
    memory: a ``KeyTable`` (band key and article id → the slot of the article that wrote them)
    and, per slot, the article's id, story, signature, when it came and the band keys it added.
    Not thread-safe.
    """

    def __init__(
        self,
        log: MutableMapping[str, str],
        capacity: int,
        horizon: float = 0.0,
        clock: Callable[[], float] = time.time,
    ):
        self.log, self.capacity, self.horizon, self.clock = log, capacity, horizon, clock
        self._clear()

    def _clear(self) -> None:
        # Sized for the window at once (up to a point): growing it later stalls the one stories
        # partition (~1 s to place 2 million keys again).
        self.keys = KeyTable(2 * _KEYS_PER_ARTICLE * min(self.capacity, _PRESIZED))
        # Slot → the article remembered there (a ``_Remembered`` as a plain tuple), or () when
        # none is. A list, not a dict: a full GC walks it in one pass, and it is never tracked
        # anew (a dict is, whenever a new tuple goes in).
        self._slots: list[tuple] = [()] * self.capacity
        self._count = 0  # slots holding an article
        self._oldest = self._next = 0  # the records kept are numbered oldest .. next - 1

    def __len__(self) -> int:
        """Articles remembered."""
        return self._count

    def rebuild(self) -> None:
        """The lookups again from the log's records, oldest first.

        A record not in its slot (a log written with another capacity, or numbered by record, as
        before) is moved there; records beyond the capacity are deleted. Keys that are not
        numbers (a table written by an older Rasad, one entry per band key) are left alone: the
        stories they knew start anew.
        """
        self._clear()
        keys = list(self.log)
        records = sorted(
            (
                (record.get("n", int(key)), key, record)
                for key in keys
                if key.isdigit()
                for record in [json.loads(self.log[key])]
            ),
            key=lambda numbered: numbered[0],
        )
        if len(records) < len(keys):
            logger.warning(
                "stories: %d entries of an older table format ignored", len(keys) - len(records)
            )
        kept = records[-self.capacity :]
        for _, key, _ in records[: -self.capacity]:
            del self.log[key]
        misplaced = [(n, key, record) for n, key, record in kept if key != self._slot_key(n)]
        for _, key, _ in misplaced:  # all out first: one's slot may be another's old key
            del self.log[key]
        for number, _, record in misplaced:
            self.log[self._slot_key(number)] = json.dumps({**record, "n": number})
        for number, _, record in kept:
            self._remember(number, record)
        self._oldest, self._next = (kept[0][0], kept[-1][0] + 1) if kept else (0, 0)
        self._expire()

    def assign(self, article_id: str, band_keys: list[str], signature: bytes | None = None) -> str:
        """The story id of an article with these band keys, remembered for those that follow.

        ``signature`` (``Banding.keys_and_signature``): a candidate found by a band joins only
        when the signatures agree on ``JOIN`` of their values (see the module doc); without one,
        or against an article remembered without one, a shared band is enough.
        """
        self._expire()  # what is past the horizon counts no more
        unique = list(dict.fromkeys(band_keys))
        # One lookup: the id's slot, and the slot of each band's writer.
        known, *writers = self.keys.get_many([_id_key(article_id), *map(_band_key, unique)])
        if known >= 0 and (mine := _Remembered._make(self._slots[known])).id == article_id:
            return mine.story
        stories = [
            theirs.story
            for theirs in map(
                _Remembered._make,
                map(self._slots.__getitem__, sorted({w for w in writers if w >= 0})),
            )
            if signature is None
            or theirs.signature is None
            or similarity(signature, theirs.signature) >= JOIN
        ]
        story = min(stories, default=article_id)
        record = {
            "n": self._next,
            "id": article_id,
            "story": story,
            "bands": [key for key, writer in zip(unique, writers, strict=True) if writer < 0],
            "at": round(self.clock(), 1),
        }
        if signature is not None:
            record["sig"] = base64.b64encode(signature).decode()
        self._expire(room=1)  # the oldest, if the log is full: its slot is written over below
        self._remember(self._next, record, signature)
        self.log[self._slot_key(self._next)] = json.dumps(record)
        self._next += 1
        return story

    def _slot_key(self, number: int) -> str:
        return str(number % self.capacity)

    def _expire(self, room: int = 0) -> None:
        """Forget the records beyond the capacity (less ``room``), and those older than the
        horizon; only the latter are deleted from the log (the others are written over)."""
        cutoff = self.clock() - self.horizon if self.horizon else -math.inf
        while self._oldest < self._next:
            oldest = _remembered(self._slots[slot := self._oldest % self.capacity])
            if oldest is not None and oldest.number != self._oldest:
                oldest = None  # a gap in the numbering (a record deleted before a rebuild)
            full = self._next - self._oldest + room > self.capacity
            if oldest is not None and not full and oldest.at >= cutoff:
                return  # not full, and the oldest is within the horizon
            if oldest is not None:
                self._forget(slot, oldest)
                if not full:
                    self.log.pop(str(slot), None)
            self._oldest += 1

    def _remember(self, number: int, record: dict, signature: bytes | None = None) -> None:
        slot = number % self.capacity
        if (previous := _remembered(self._slots[slot])) is not None:  # a log over capacity
            self._forget(slot, previous)
        if signature is None and record.get("sig") is not None:
            signature = base64.b64decode(record["sig"])
        added = [key for key in map(_band_key, record["bands"]) if self.keys.add(key, slot)]
        if self.keys.add(_id_key(record["id"]), slot):
            added.append(_id_key(record["id"]))
        at = float(record.get("at", math.inf))
        # A plain tuple: of atomic values only, the GC stops tracking it (a NamedTuple it never
        # would); a full window of them is then no work for a full collection.
        self._slots[slot] = (number, record["id"], record["story"], signature, at, _packed(added))
        self._count += 1

    def _forget(self, slot: int, article: _Remembered) -> None:
        for key in np.frombuffer(article.keys, dtype=np.uint64).tolist():
            self.keys.discard(key, slot)
        self._slots[slot] = ()
        self._count -= 1


class _Remembered(NamedTuple):
    """What the lookups keep of a remembered article (~400 bytes with its keys), read from the
    plain tuple a slot holds (``_remembered``)."""

    number: int
    id: str
    story: str
    signature: bytes | None
    at: float
    keys: bytes  # the table keys it added (its new band keys and its id), packed uint64


def _remembered(slot: tuple) -> _Remembered | None:
    return _Remembered._make(slot) if slot else None


def _band_key(key: str) -> int:
    return key_of("b" + key)


def _id_key(article_id: str) -> int:
    return key_of("i" + article_id)


def _packed(keys: list[int]) -> bytes:
    return np.array(keys, dtype=np.uint64).tobytes()


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
