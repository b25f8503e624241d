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

``StoryLog`` keeps the mappings (and each remembered article's signature, 16 bits a value) in
memory and writes ONE record per article to a log mapping (sequence number → the article id,
its story, the band keys it added and its signature), deleting the record
``capacity`` articles back. In the embedded runner the log is a dict; on the real stack it is a
changelogged Faust table shared by every worker (``processors.agents``): two changelog messages
per article, not one per key, and after a restart or a rebalance the mappings are rebuilt from
the restored log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import zlib
from collections.abc import MutableMapping

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
    """MinHash signatures of texts, cut into LSH bands with datasketch's
    band/row split for a threshold.

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
        """MinHash (``num_perm`` values) of the word 3-grams of the normalized
        text (of its words, when fewer).
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
    """Story ids by band keys and article ids for the last ``capacity`` articles,
    logged one record per article.

    ``log`` maps a sequence number (str) to a JSON record; it may hold records already
    (a restored Faust table): call ``rebuild`` whenever it may have changed behind this object.
    Not thread-safe.
    """

    def __init__(self, log: MutableMapping[str, str], capacity: int):
        self.log, self.capacity = log, capacity
        self._by_band: dict[str, str] = {}  # band key -> the article that wrote it
        self._by_id: dict[str, str] = {}  # article -> its story
        self._signatures: dict[str, bytes] = {}
        self._next = 0

    def __len__(self) -> int:
        """Articles remembered."""
        return len(self._by_id)

    def rebuild(self) -> None:
        """The mappings again from the log's records, oldest first.

        Keys that are not record numbers (a table written by an older Rasad, one entry per band
        key) are left alone: the stories they knew start anew.
        """
        self._by_band.clear()
        self._by_id.clear()
        self._signatures.clear()
        keys = list(self.log)
        numbers = sorted(int(key) for key in keys if key.isdigit())
        if len(numbers) < len(keys):
            logger.warning(
                "stories: %d entries of an older table format ignored", len(keys) - len(numbers)
            )
        for number in numbers:
            self._apply(json.loads(self.log[str(number)]))
        self._next = numbers[-1] + 1 if numbers else 0

    def assign(self, article_id: str, band_keys: list[str], signature: bytes | None = None) -> str:
        """The story id of an article with these band keys, remembered for those that follow.

        ``signature`` (``Banding.keys_and_signature``): a candidate found by a band joins only
        when the signatures agree on ``JOIN`` of their values (see the module doc); without one,
        or against an article remembered without one, a shared band is enough.
        """
        known = self._by_id.get(article_id)
        if known is not None:
            return known
        similar = {w for w in map(self._by_band.get, band_keys) if w is not None}
        if signature is not None:
            similar = {w for w in similar if self._agrees(signature, w)}
        story = min((self._by_id[w] for w in similar), default=article_id)
        record = {
            "id": article_id,
            "story": story,
            "bands": [key for key in dict.fromkeys(band_keys) if key not in self._by_band],
        }
        if signature is not None:
            record["sig"] = base64.b64encode(signature).decode()
        self._apply(record)
        self.log[str(self._next)] = json.dumps(record)
        oldest = self.log.pop(str(self._next - self.capacity), None)
        self._next += 1
        if oldest is not None:
            self._forget(json.loads(oldest))
        return story

    def _agrees(self, signature: bytes, writer: str) -> bool:
        known = self._signatures.get(writer)
        return known is None or similarity(signature, known) >= JOIN

    def _apply(self, record: dict) -> None:
        article = record["id"]
        for key in record["bands"]:
            self._by_band[key] = article
        self._by_id[article] = record["story"]
        if "sig" in record:
            self._signatures[article] = base64.b64decode(record["sig"])

    def _forget(self, record: dict) -> None:
        for key in record["bands"]:
            self._by_band.pop(key, None)
        self._by_id.pop(record["id"], None)
        self._signatures.pop(record["id"], None)


class StoryIndex:
    """Story ids of texts, remembered in memory for the last ``capacity``
    articles (the embedded runner's).
    """

    def __init__(
        self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, capacity: int = 50_000
    ):
        self.banding = Banding(threshold, num_perm)
        self.stories = StoryLog({}, capacity)

    def __len__(self) -> int:
        """Articles remembered."""
        return len(self.stories)

    def assign(self, article_id: str, normalized: str) -> str:
        """The story id of an article (given its normalized text), remembering
        it for the articles that follow.
        """
        return self.stories.assign(article_id, *self.banding.keys_and_signature(normalized))
