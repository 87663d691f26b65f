"""Where a bucket id's row is in a pruned bucket table (one that keeps only some of the `bucket` rows).

The kept ids are stored as a bitmap over all ids plus, per 64-bit word of it, the number of kept ids before that
word. A lookup is then two array reads and a popcount: O(1) and cache-friendly (bucket/8 + bucket/16 bytes, 375 KB
for 2 M buckets), where a binary search over the sorted ids (4 bytes per kept id, 1.9 MB for the 469 k non-zero
buckets of a 2 M-bucket model) missed the CPU cache at almost every step. Both arrays are `array.array`s (fast
item access from Python, for one word) with zero-copy numpy views (for batches).
"""

from array import array

import numpy as np


def popcount64(values: np.ndarray) -> np.ndarray:
    """Set bits per uint64, as int64."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values).astype(np.int64)
    return popcount64_by_bytes(values)


def popcount64_by_bytes(values: np.ndarray) -> np.ndarray:
    """Set bits per uint64 from a per-byte table (np.bitwise_count needs numpy >= 2)."""
    table = np.array([i.bit_count() for i in range(256)], dtype=np.int64)
    return table[np.ascontiguousarray(values).view(np.uint8)].reshape(len(values), 8).sum(axis=1)


class BucketIndex:
    """Positions of kept bucket ids in a pruned table.

    ids (np.ndarray): the kept bucket ids, sorted and unique (row i of the table holds bucket ids[i]).
    n_buckets (int): the model's `bucket` (every id is below it).
    """

    def __init__(self, ids: np.ndarray, n_buckets: int):
        mask = np.zeros((n_buckets + 63) // 64 * 64, dtype=bool)
        mask[ids] = True
        words = np.packbits(mask, bitorder="little").view("<u8").astype(np.uint64)
        counts = popcount64(words)
        self.n_kept = int(counts.sum())
        self._bits = array("Q", words.tobytes())
        # fastText's bucket count is an int32, so ranks fit in 4 bytes
        self._ranks = array("I", (np.cumsum(counts) - counts).astype(np.uint32).tobytes())
        self.bits = np.frombuffer(self._bits, dtype=np.uint64)
        self.ranks = np.frombuffer(self._ranks, dtype=np.uint32)

    def rows(self, buckets: list[int]) -> list[int]:
        """Table rows of the kept ones among `buckets`, in their order (pure Python: for one word, numpy's
        per-call overhead would cost more than the lookups)."""
        bits, ranks = self._bits, self._ranks
        out = []
        for bucket in buckets:
            shift = bucket & 63
            word = bits[bucket >> 6]
            if (word >> shift) & 1:
                out.append(ranks[bucket >> 6] + (word & ((1 << shift) - 1)).bit_count())
        return out

    def positions(self, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Table rows of the kept ones among `buckets` (int64 array), and the mask of those kept."""
        q = buckets >> 6
        word = self.bits[q]
        shift = (buckets & 63).astype(np.uint64)
        kept = ((word >> shift) & np.uint64(1)).astype(bool)
        below = word[kept] & ((np.uint64(1) << shift[kept]) - np.uint64(1))
        return self.ranks[q[kept]].astype(np.int64) + popcount64(below), kept

    def ids(self) -> np.ndarray:
        """The kept bucket ids, sorted (int64)."""
        mask = np.unpackbits(self.bits.astype("<u8").view(np.uint8), bitorder="little")
        return np.flatnonzero(mask).astype(np.int64)
