"""Word vectors for any string from a fastText model: numpy lookups over memory-mapped tables, no torch.

A word's vector is fastText's `get_word_vector`: the mean of its own input row (if it is in the vocabulary) and
the bucket rows of its character n-grams, summed in fastText's order so that float32 results match. An OOV word
uses its n-grams only; a word without any n-gram row gets the zero vector (as in fastText).
"""
import threading
from pathlib import Path
from typing import Dict, List, Sequence, Union

import numpy as np

from .io import FastTextModel, load_fasttext
from .subwords import ngram_hashes, word_ngram_hashes

DEFAULT_CACHE_SIZE = 65536
CHUNK_WORDS = 2048
EOS = "</s>"

_OPEN_TABLES: Dict[str, "FastTextVectors"] = {}
_OPEN_LOCK = threading.Lock()


def open_vectors(path: Union[str, Path]) -> "FastTextVectors":
    """Open (once per process) the vectors at `path`, so components and layers share one memory map.

    path (Union[str, Path]): a fastText `.bin`/`.vec` file or an `init-fasttext` directory.
    RETURNS (FastTextVectors): the shared table.
    """
    key = str(Path(path).resolve())
    with _OPEN_LOCK:
        if key not in _OPEN_TABLES:
            _OPEN_TABLES[key] = FastTextVectors(load_fasttext(path))
        return _OPEN_TABLES[key]


class FastTextVectors:
    """fastText word vectors for every string, with a small cache for repeated lookups.

    model (FastTextModel): what `io.load_fasttext` returned.
    cache_size (int): how many distinct words keep their vector in the cache (0 disables it).
    """

    def __init__(self, model: FastTextModel, *, cache_size: int = DEFAULT_CACHE_SIZE):
        self.model = model
        self.path = model.path
        self.dim = model.dim
        self.key2row = {word: i for i, word in enumerate(model.words)}
        self.cache_size = cache_size
        self._cache_index: Dict[str, int] = {}
        self._cache = np.zeros((0, self.dim), dtype=np.float32)
        self._lock = threading.Lock()
        # plain ndarray views of the memory maps: np.memmap's __getitem__ is slow for fancy indexing
        self._buckets = None if model.bucket_rows is None else model.bucket_rows.view(np.ndarray)
        self._input = None if model.input_matrix is None else model.input_matrix.view(np.ndarray)

    def __reduce__(self):
        # Docs pickle their user hooks, which hold this table: reopen it from its path instead of copying it.
        return (open_vectors, (str(self.path),))

    def __len__(self) -> int:
        return len(self.key2row)

    def __contains__(self, word: str) -> bool:
        return word in self.key2row

    def get_vector(self, word: str) -> np.ndarray:
        """The vector of one word (a read-only view into the cache when it is cached).

        word (str): any string.
        RETURNS (np.ndarray): float32 vector of width `dim`.
        """
        row = self._cache_index.get(word)
        if row is not None:
            return self._cache[row]
        vector = self.compute_one(word)
        if self.cache_size > 0:
            with self._lock:
                if len(self._cache_index) >= self.cache_size:
                    self._reset_cache()
                start = len(self._cache_index)
                self._store(start, vector[None, :])
                self._cache_index[word] = start
                return self._cache[start]
        return vector

    def compute_one(self, word: str) -> np.ndarray:
        """The vector of one word without the cache (a pure-Python hashing path: numpy's per-call overhead
        dominates for a single word). Same result as `compute([word])[0]`.

        word (str): any string.
        RETURNS (np.ndarray): float32 vector.
        """
        model = self.model
        wid = self.key2row.get(word, -1)
        if model.precomputed and wid >= 0:
            return np.asarray(model.word_rows[wid], dtype=np.float32)
        hashes = word_ngram_hashes(word, model.minn, model.maxn) if model.has_subwords and word != EOS else []
        n_total = len(hashes) + (1 if wid >= 0 else 0)
        if n_total == 0:
            return np.zeros(self.dim, dtype=np.float32)
        rows = np.asarray(hashes, dtype=np.uint32) % np.uint32(max(model.bucket, 1))
        if model.precomputed:
            table = self._buckets
            if model.bucket_ids is not None:
                rows = self._kept_positions(rows.astype(np.int64))[0]
        else:
            table = self._input
            rows = rows.astype(np.int64) + len(model.words)
            if wid >= 0:
                rows = np.concatenate([[wid], rows])
        if len(rows) == 0:
            return np.zeros(self.dim, dtype=np.float32)
        # np.add.reduce over axis 0 adds rows in order, like fastText's addRow loop
        total = np.add.reduce(table[rows], axis=0, dtype=np.float32)
        return total * np.float32(1.0 / n_total)

    def _kept_positions(self, buckets: np.ndarray):
        """Positions of original bucket ids in a pruned table, and the mask of those that were kept."""
        ids = self.model.bucket_ids
        if len(ids) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(len(buckets), dtype=bool)
        # same dtype on both sides, or numpy converts the whole id table on every call
        pos = np.minimum(np.searchsorted(ids, buckets.astype(ids.dtype)), len(ids) - 1)
        kept = ids[pos] == buckets
        return pos[kept], kept

    def get_vectors(self, words: Sequence[str]) -> np.ndarray:
        """The vectors of many words; repeated words are computed once and cached.

        words (Sequence[str]): any strings.
        RETURNS (np.ndarray): float32 array of shape (len(words), dim), a new array.
        """
        if self.cache_size <= 0:
            return self.compute(words)
        with self._lock:
            index = self._cache_index
            missing = [w for w in set(words) if w not in index]
            if len(missing) > self.cache_size:  # more distinct words than the cache holds
                distinct = {w: i for i, w in enumerate(dict.fromkeys(words))}
                vectors = self.compute(list(distinct))
                return vectors[np.fromiter(map(distinct.__getitem__, words), dtype=np.int64, count=len(words))]
            if missing:
                if len(index) + len(missing) > self.cache_size:
                    self._reset_cache()
                    index = self._cache_index
                    missing = list(set(words))
                start = len(index)
                self._store(start, self.compute(missing))
                index.update(zip(missing, range(start, start + len(missing))))
            rows = np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words))
            return self._cache[rows]

    def _store(self, start: int, vectors: np.ndarray) -> None:
        """Write rows into the cache, growing it. The cache is read-only between writes, so the views that
        `get_vector` hands out cannot be changed by their users; rows are written once per cache array."""
        end = start + len(vectors)
        if end > self._cache.shape[0]:
            # allocated once at full size: np.zeros maps untouched pages lazily, so only rows in use take RAM,
            # and there is no grow-and-copy peak
            self._cache = np.zeros((self.cache_size, self.dim), dtype=np.float32)
        self._cache.flags.writeable = True
        self._cache[start:end] = vectors
        self._cache.flags.writeable = False

    def _reset_cache(self) -> None:
        # a new array, not a cleared one: views handed out earlier keep their values
        self._cache_index = {}
        self._cache = np.zeros((0, self.dim), dtype=np.float32)

    def clear_cache(self) -> None:
        with self._lock:
            self._reset_cache()

    def has_vector(self, word: str) -> bool:
        """Whether `word` gets a non-zero vector (in the vocabulary, or at least one n-gram row)."""
        return word in self.key2row or bool(np.any(self.get_vector(word)))

    def compute(self, words: Sequence[str]) -> np.ndarray:
        """The vectors of `words`, computed without the cache.

        words (Sequence[str]): any strings.
        RETURNS (np.ndarray): float32 array of shape (len(words), dim).
        """
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        for start in range(0, len(words), CHUNK_WORDS):
            chunk = words[start : start + CHUNK_WORDS]
            out[start : start + len(chunk)] = self._compute_chunk(list(chunk))
        return out

    def _compute_chunk(self, words: List[str]) -> np.ndarray:
        model = self.model
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        ids = np.fromiter((self.key2row.get(w, -1) for w in words), dtype=np.int64, count=len(words))
        in_vocab = ids >= 0
        if model.precomputed:
            out[in_vocab] = model.word_rows[ids[in_vocab]]
            todo = np.flatnonzero(~in_vocab)
            if len(todo) == 0 or not model.has_subwords:
                return out
            words = [words[i] for i in todo]
            ids = ids[todo]
        else:
            todo = np.arange(len(words))
        # fastText never splits the end-of-sentence token "</s>" into n-grams
        word_idx, hashes, keys = ngram_hashes(words, model.minn, model.maxn)
        if EOS in words:
            eos = [i for i, w in enumerate(words) if w == EOS]
            drop = np.isin(word_idx, eos)
            word_idx, hashes, keys = word_idx[~drop], hashes[~drop], keys[~drop]
        if model.has_subwords:
            rows = (hashes % np.uint32(model.bucket)).astype(np.int64)
        else:  # no n-grams: only the word rows count
            word_idx, rows, keys = word_idx[:0], np.zeros(0, dtype=np.int64), keys[:0]
        # every n-gram counts in the mean; a pruned bucket counts as a zero row (it held only fastText's small
        # random initialisation when it was never trained), which keeps vector norms close to the full model's
        n_total = np.bincount(word_idx, minlength=len(words)) + (ids >= 0) * (not model.precomputed)
        if model.bucket_ids is not None:
            rows, kept = self._kept_positions(rows)
            word_idx, keys = word_idx[kept], keys[kept]
        n_entries = len(rows)
        if not model.precomputed:
            # the word's own row comes first: its sort key is below every n-gram key of that word
            vocab_idx = np.flatnonzero(ids >= 0)
            lengths = np.fromiter((len(w.encode("utf8", errors="surrogateescape")) + 2 for w in words),
                                  dtype=np.int64, count=len(words))
            starts = np.cumsum(lengths) - lengths
            word_keys = starts[vocab_idx] * (model.maxn + 1)
            all_keys = np.concatenate([word_keys, keys])
            order = np.argsort(all_keys, kind="stable")
            word_idx = np.concatenate([vocab_idx, word_idx])[order]
            is_word_row = np.concatenate([np.ones(len(vocab_idx), bool), np.zeros(n_entries, bool)])[order]
            rows = np.concatenate([ids[vocab_idx], rows])[order]
        else:
            is_word_row = np.zeros(n_entries, dtype=bool)
        if len(rows) == 0:
            return out
        if model.precomputed:
            table = self._buckets
        else:  # one memory map holds the word rows and then the bucket rows
            table = self._input
            rows = np.where(is_word_row, rows, rows + len(model.words))
        counts = np.bincount(word_idx, minlength=len(words))
        seg_starts = np.cumsum(counts) - counts
        # Add rows one rank at a time (first row of every word, then the second, ...): the same order as
        # fastText's `addRow` loop, so the float32 sums are bitwise equal (np.add.reduceat sums pairwise).
        by_count = np.argsort(-counts, kind="stable")
        n_active = np.searchsorted(-counts[by_count], -np.arange(counts.max()), side="left")
        sorted_starts = seg_starts[by_count]
        sums = np.zeros((len(words), self.dim), dtype=np.float32)  # in by_count order
        for rank, n in enumerate(n_active):
            sums[:n] += table[rows[sorted_starts[:n] + rank]]
        n_has = int(np.count_nonzero(counts))
        # fastText: vec.mul(1.0 / n) with the factor rounded to float32
        scale = (1.0 / n_total[by_count[:n_has]]).astype(np.float32)
        out[todo[by_count[:n_has]]] = sums[:n_has] * scale[:, None]
        return out
