"""Stories: near-duplicate articles (one wire story from several sources) share a story id.

Each article is shingled into word 3-grams of its normalized terms, summarized by a MinHash
and looked up in a MinHash LSH index (datasketch). An article similar enough to one seen
before (estimated Jaccard >= ``threshold``) joins that article's story; otherwise it starts a
story whose id is its own id. The same article seen again (a redelivery) gets the same story.

The index lives in the process's memory and remembers the last ``capacity`` articles. On the
real stack each Faust worker has its own, so near-duplicates that land on partitions owned by
different workers, or that arrive across a restart, get different story ids; see
docs/processors.md for that limitation and how a table keyed by LSH band would lift it.
"""
from __future__ import annotations

from collections import OrderedDict

from datasketch import MinHash, MinHashLSH

from rasad.normalize import terms

_SHINGLE = 3


class StoryIndex:
    """Assigns story ids to articles as they stream by (not thread-safe: one per agent)."""

    def __init__(self, threshold: float = 0.5, num_perm: int = 64, capacity: int = 50_000):
        self.threshold, self.num_perm, self.capacity = threshold, num_perm, capacity
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._stories: OrderedDict[str, str] = OrderedDict()  # article id -> story id, oldest first

    def __len__(self) -> int:
        return len(self._stories)

    def assign(self, article_id: str, text: str) -> str:
        """The story id of this article, remembering it for the articles that follow."""
        if article_id in self._stories:
            return self._stories[article_id]
        signature = minhash(text, self.num_perm)
        similar = [self._stories[k] for k in self._lsh.query(signature) if k in self._stories]
        story = min(similar) if similar else article_id
        self._lsh.insert(article_id, signature)
        self._stories[article_id] = story
        if len(self._stories) > self.capacity:
            oldest, _ = self._stories.popitem(last=False)
            self._lsh.remove(oldest)
        return story


def minhash(text: str, num_perm: int = 64) -> MinHash:
    """MinHash of the word 3-grams of the normalized text (of its words, when it is shorter)."""
    words = terms(text)
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - _SHINGLE + 1))}
    signature = MinHash(num_perm=num_perm, seed=1)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature
