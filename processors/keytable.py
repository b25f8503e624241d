"""A hash table of 64-bit keys → small ints in two numpy arrays: the stories' band lookups.

The story log looks ~15 keys up per article and remembers them for up to
``RASAD_STORIES_REMEMBERED`` articles (millions of keys). In a dict each key costs ~75 bytes (the
int object and the dict's slot); here it costs 12 bytes a slot at a load factor of 1/4–1/2, and
the memory is two arrays, not millions of objects the garbage collector walks.

Open addressing with linear probing: a key lives at the first free slot from ``key & mask``;
deleting moves the keys after it back (backward-shift deletion), so there are no tombstones and
lookups stay short however many keys come and go. Lookups, inserts and deletes, a handful per
article, are plain loops over the arrays' items (numpy's per-call cost is more than the work);
growing is vectorized. Key 0 marks a free slot, so callers map
their keys into 1 .. 2^64 - 1 (``key_of``). Not thread-safe.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1
_MIN_SIZE = 1024


def key_of(text: str) -> int:
    """A nonzero 64-bit key for a string, for this process (Python's own string hash)."""
    return (hash(text) & _MASK64) or 1


class KeyTable:
    """Keys (nonzero 64-bit ints) → values (0 .. 2^31 - 1); grows to keep its load under 1/2."""

    def __init__(self, size: int = _MIN_SIZE):
        self._allocate(max(_MIN_SIZE, 1 << max(size - 1, 1).bit_length()))

    def _allocate(self, size: int) -> None:
        self.size, self.mask, self.count = size, size - 1, 0
        self.keys = np.zeros(size, dtype=np.uint64)
        self.values = np.zeros(size, dtype=np.int32)

    def __len__(self) -> int:
        return self.count

    def get_many(self, keys: list[int]) -> list[int]:
        """The value of each key, -1 where it is not in the table."""
        table, mask, found = self.keys, self.mask, []
        for key in keys:  # a loop beats numpy's per-call cost at ~15 keys
            slot = key & mask
            while (held := table.item(slot)) != key and held != 0:
                slot = (slot + 1) & mask
            found.append(self.values.item(slot) if held else -1)
        return found

    def add(self, key: int, value: int) -> bool:
        """Set ``key`` to ``value`` unless it is there already (then False: its value stays)."""
        if (self.count + 1) * 2 > self.size:
            self._grow()
        keys, slot = self.keys, key & self.mask
        while (held := keys.item(slot)) != 0:
            if held == key:
                return False
            slot = (slot + 1) & self.mask
        keys[slot], self.values[slot] = key, value
        self.count += 1
        return True

    def discard(self, key: int, value: int) -> None:
        """Remove ``key`` if it holds ``value`` (a key since taken by another value stays)."""
        keys, mask, slot = self.keys, self.mask, key & self.mask
        while (held := keys.item(slot)) != key:
            if held == 0:
                return
            slot = (slot + 1) & mask
        if self.values.item(slot) != value:
            return
        hole, after = slot, slot
        while (held := keys.item(after := (after + 1) & mask)) != 0:
            home = held & mask
            # A key may fill the hole unless its home lies cyclically in (hole, after].
            if not _cyclically_within(home, hole, after):
                keys[hole], self.values[hole] = held, self.values.item(after)
                hole = after
        keys[hole] = 0
        self.count -= 1

    def _grow(self) -> None:
        """Twice the slots; every key placed again (vectorized: a round per probe step)."""
        occupied = self.keys != 0
        keys, values = self.keys[occupied], self.values[occupied]
        self._allocate(self.size * 2)
        self.count = len(keys)
        slots = keys & np.uint64(self.mask)
        pending = np.arange(len(keys))
        while pending.size:
            free = self.keys[slots[pending]] == 0
            # Of the keys whose slot is free, the first for each slot takes it ...
            taken, first = np.unique(slots[pending[free]], return_index=True)
            placed = pending[free][first]
            self.keys[taken], self.values[taken] = keys[placed], values[placed]
            # ... and the others, now all on an occupied slot, move one step on.
            left = np.ones(len(keys), dtype=bool)
            left[placed] = False
            pending = pending[left[pending]]
            slots[pending] = (slots[pending] + np.uint64(1)) & np.uint64(self.mask)


def _cyclically_within(slot: int, start: int, end: int) -> bool:
    """Whether ``slot`` is in the cyclic interval (start, end] of the table's slots."""
    return start < slot <= end if start < end else slot > start or slot <= end
