"""A bounded cache of computed word vectors, in one array that never grows.

Running text repeats words (Zipf), so a few thousand cached vectors serve most tokens. When the cache is full,
CLOCK (second chance) picks the rows to reuse: a clock hand sweeps the rows, a row read since the hand last
passed is spared once, the first one that was not is reused. That keeps the frequent words, where resetting the
whole cache when full would throw them out with the rest and recompute them all at once. Rows are reused in
place, so memory stays at `size` rows (allocated once, taken by the OS page by page as they fill) and `get`
returns copies, not views that a later reuse would change.
"""

import mmap
import threading
from collections.abc import Sequence
from itertools import repeat

import numpy as np


def lazy_zeros(rows: int, dim: int) -> np.ndarray:
    """A writable float32 (rows, dim) array of zeros on its own anonymous memory map: a page takes memory on its
    first write, and all of them go back to the OS when the array is freed. np.zeros promises neither: once glibc
    has freed one large block it serves later ones from its heap, where calloc clears (touches) the whole block
    and freed pages stay with the process."""
    if not hasattr(mmap, "MAP_PRIVATE"):  # not POSIX
        return np.zeros((rows, dim), dtype=np.float32)
    # private, so that the pages count as the process's own memory (RssAnon), not as shared memory
    buf = mmap.mmap(-1, max(rows * dim * 4, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return np.frombuffer(buf, dtype=np.float32, count=rows * dim).reshape(rows, dim)


class VectorCache:
    """Up to `size` float32 vectors of width `dim`, by word.

    `put`, `put_one`, `fill` and `clear` are called with `lock` held; `get` takes no lock, so that a hit costs two
    dict lookups and a copy.
    """

    def __init__(self, size: int, dim: int):
        self.size = size
        self.dim = dim
        self.lock = threading.Lock()
        self.clear()

    def __len__(self) -> int:
        return len(self._state[0])

    def __contains__(self, word: str) -> bool:
        return word in self._state[0]

    def clear(self) -> None:
        used = bytearray(self.size)
        # word -> row, the rows, row -> word, and whether a row was read since the hand passed it. Swapped as one
        # tuple: a reader that took it before a clear keeps a consistent (and no longer written) cache.
        self._state = ({}, lazy_zeros(self.size, self.dim), [None] * self.size, used)
        self._hand = 0

    def get(self, word: str) -> np.ndarray | None:
        """A copy of the cached vector of `word`, or None."""
        index, rows, _, used = self._state
        row = index.get(word)
        if row is None:
            return None
        used[row] = 1
        vector = rows[row].copy()
        # A writer may have given the row to another word meanwhile. It takes the old word out of the index
        # before it writes the row, so if the word is still at its row, the copy is its vector.
        return vector if index.get(word) == row else None

    def fill(self, words: Sequence[str], out: np.ndarray) -> np.ndarray:
        """Copy the cached vectors of `words` into the same rows of `out` (call with `lock` held).

        RETURNS (np.ndarray): bool mask of the words that were cached.
        """
        index, rows, _, used = self._state
        found = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        hit = found >= 0
        hit_rows = found[hit]
        out[hit] = rows[hit_rows]
        np.frombuffer(used, dtype=np.uint8)[hit_rows] = 1
        return hit

    def put_one(self, word: str, vector: np.ndarray) -> None:
        """`put` for one word, without the batch's fancy indexing (call with `lock` held)."""
        index, rows, owners, _ = self._state
        if word in index:
            return
        row = self._free_rows(1)[0]
        index.pop(owners[row], None)  # before the row is written: see `get`
        rows[row] = vector
        owners[row] = word
        index[word] = row

    def put(self, words: Sequence[str], vectors: np.ndarray) -> None:
        """Cache the vectors of `words` (call with `lock` held). Words already cached are skipped; a batch larger
        than the cache is not cached (it would only evict itself)."""
        index, rows, owners, _ = self._state
        first = {}
        for i, word in enumerate(words):
            if word not in index:
                first.setdefault(word, i)
        new = list(first.values())
        if not new or len(new) > self.size:
            return
        targets = self._free_rows(len(new))
        for row in targets:
            index.pop(owners[row], None)  # before the row is written: see `get`
        rows[targets] = vectors[new]
        for i, row in zip(new, targets):
            owners[row] = words[i]
            index[words[i]] = row

    def _free_rows(self, n: int) -> list[int]:
        """Advance the clock hand until `n` rows (n <= size) not read since its last pass are found."""
        used = self._state[3]
        picked = []
        hand = self._hand
        while len(picked) < n:
            if used[hand]:
                used[hand] = 0
            else:
                used[hand] = 1  # marked while sweeping, so a second round spares it instead of picking it again
                picked.append(hand)
            hand = hand + 1 if hand + 1 < self.size else 0
        self._hand = hand
        for row in picked:
            used[row] = 0  # a new entry has to be read once to get its second chance
        return picked
