"""Word vectors for any string from a fastText model: numpy lookups over memory-mapped tables, no torch.

A word's vector is fastText's `get_word_vector`: the mean of its own input row (if it is in the vocabulary) and
the bucket rows of its character n-grams, summed in fastText's order so that float32 results match. An OOV word
uses its n-grams only; a word without any n-gram row gets the zero vector (as in fastText).
"""

import threading
from itertools import repeat
from pathlib import Path
from typing import Dict, List, Sequence, Union

import numpy as np

from .cache import VectorCache
from .io import FastTextModel, load_fasttext, resolve_vectors_path
from .subwords import ngram_hashes, word_ngram_buckets

DEFAULT_CACHE_MB = 32
# what a cached word costs besides its vector: its index entry, its row number, the row's owner and used flag
CACHE_OVERHEAD_BYTES = 128
CHUNK_WORDS = 2048
EOS = "</s>"

_OPEN_TABLES: Dict[str, "FastTextVectors"] = {}
_OPEN_LOCK = threading.Lock()


def open_vectors(path: Union[str, Path]) -> "FastTextVectors":
    """Open (once per process) the vectors at `path`, so components and layers share one memory map.

    path (Union[str, Path]): a fastText `.bin`/`.vec` file, an `init-fasttext` directory or a packaged name.
    RETURNS (FastTextVectors): the shared table.
    """
    key = str(resolve_vectors_path(path).resolve())
    with _OPEN_LOCK:
        if key not in _OPEN_TABLES:
            _OPEN_TABLES[key] = FastTextVectors(load_fasttext(path))
        return _OPEN_TABLES[key]


def default_cache_size(dim: int) -> int:
    """How many cached words of width `dim` fit in DEFAULT_CACHE_MB (vector and index together)."""
    return DEFAULT_CACHE_MB * 2**20 // (4 * dim + CACHE_OVERHEAD_BYTES)


class FastTextVectors:
    """fastText word vectors for every string, with a cache for words whose vector is computed.

    model (FastTextModel): what `io.load_fasttext` returned.
    cache_size (Optional[int]): how many computed vectors the cache keeps (0 disables it; default: as many as
        fit in DEFAULT_CACHE_MB). Words whose vector is a stored row (the vocabulary of an export or `.vec`) are
        read from the memory map and never cached.
    """

    def __init__(self, model: FastTextModel, *, cache_size: int | None = None):
        self.model = model
        self.path = model.path
        self.dim = model.dim
        self.key2row = {word: i for i, word in enumerate(model.words)}
        self.cache_size = default_cache_size(self.dim) if cache_size is None else max(cache_size, 0)
        self._cache = VectorCache(self.cache_size, self.dim) if self.cache_size > 0 else None
        self._n_words = len(model.words)
        self._precomputed = model.precomputed
        self._subwords = model.has_subwords
        self._index = model.bucket_index
        # plain read-only ndarray views: np.memmap's __getitem__ is slow, and a `.vec` table lives in RAM where
        # a handed-out row must not be writable
        self._word_rows = _readonly(model.word_rows)
        self._table = _readonly(model.bucket_rows if model.precomputed else model.input_matrix)

    def __reduce__(self):
        # Docs pickle their user hooks, which hold this table: reopen it from its path instead of copying it.
        return (open_vectors, (str(self.path),))

    def __len__(self) -> int:
        return len(self.key2row)

    def __contains__(self, word: str) -> bool:
        return word in self.key2row

    def get_vector(self, word: str) -> np.ndarray:
        """The vector of one word: a new array, or a read-only view of the memory map for a stored float32 row.

        word (str): any string.
        RETURNS (np.ndarray): float32 vector of width `dim`.
        """
        cache = self._cache
        if cache is not None:
            vector = cache.get(word)
            if vector is not None:
                return vector
        vector = self.compute_one(word)
        if cache is not None and self._cacheable(word):
            with cache.lock:
                cache.put_one(word, vector)
        return vector

    def _cacheable(self, word: str) -> bool:
        # a stored row (the vocabulary of an export or `.vec`) is one read from the memory map: caching it would
        # only duplicate it
        return not (self._precomputed and word in self.key2row)

    def compute_one(self, word: str) -> np.ndarray:
        """The vector of one word without the cache. Same result as `compute([word])[0]`, by another path: for a
        single word, numpy's per-call overhead costs more than the work, so n-grams are hashed and their rows
        found in pure Python, and numpy is called three times (gather, sum, scale).

        word (str): any string.
        RETURNS (np.ndarray): float32 vector.
        """
        wid = self.key2row.get(word, -1)
        if self._precomputed and wid >= 0:
            return self._stored_vector(wid)
        buckets = self._word_buckets(word)
        n_total = len(buckets) + (wid >= 0)  # pruned buckets count in the mean, as zero rows
        if self._precomputed:
            rows = buckets if self._index is None else self._index.rows(buckets)
        else:  # one memory map holds the word rows and then the bucket rows; the word's own row is added first
            rows = [b + self._n_words for b in buckets]
            if wid >= 0:
                rows.insert(0, wid)
        if not rows:
            return np.zeros(self.dim, dtype=np.float32)
        # np.add.reduce over axis 0 adds rows in order, like fastText's addRow loop
        total = np.add.reduce(self._table.take(rows, axis=0), axis=0, dtype=np.float32)
        total *= np.float32(1.0 / n_total)  # fastText: vec.mul(1.0 / n), the factor rounded to float32
        return total

    def _word_buckets(self, word: str) -> list[int]:
        # fastText never splits the end-of-sentence token "</s>" into n-grams
        if not self._subwords or word == EOS:
            return []
        model = self.model
        return word_ngram_buckets(word, model.minn, model.maxn, model.bucket)

    def _stored_vector(self, wid: int) -> np.ndarray:
        row = self._word_rows[wid]
        return row if row.dtype == np.float32 else row.astype(np.float32)

    def get_vectors(self, words: Sequence[str]) -> np.ndarray:
        """The vectors of many words; computed vectors are cached, repeated words computed once.

        words (Sequence[str]): any strings.
        RETURNS (np.ndarray): float32 array of shape (len(words), dim), a new array.
        """
        cache = self._cache
        if cache is None:
            return self.compute(words)
        out = np.empty((len(words), self.dim), dtype=np.float32)
        with cache.lock:
            cached = cache.fill(words, out)
        todo = np.flatnonzero(~cached)
        if len(todo):
            todo_words = [words[i] for i in todo]
            distinct = list(dict.fromkeys(todo_words))
            vectors = self.compute(distinct)
            position = {w: i for i, w in enumerate(distinct)}
            out[todo] = vectors[np.fromiter(map(position.__getitem__, todo_words), dtype=np.int64, count=len(todo))]
            keep = [i for i, w in enumerate(distinct) if self._cacheable(w)]
            self._put([distinct[i] for i in keep], vectors[keep])
        return out

    def prefetch(self, words: Sequence[str]) -> None:
        """Compute and cache the vectors of `words` that are not cached yet, if they fit in the cache, so that
        per-word calls later (`token.vector`) are cache hits.

        words (Sequence[str]): any strings.
        """
        cache = self._cache
        if cache is None:
            return
        missing = [w for w in set(words) if w not in cache and self._cacheable(w)]
        if 0 < len(missing) <= cache.size:
            self._put(missing, self.compute(missing))

    def _put(self, words: list[str], vectors: np.ndarray) -> None:
        """Cache computed vectors (callers keep out the words that `_cacheable` refuses)."""
        with self._cache.lock:
            self._cache.put(words, vectors)

    def clear_cache(self) -> None:
        if self._cache is not None:
            with self._cache.lock:
                self._cache.clear()

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
        ids = np.fromiter(map(self.key2row.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        in_vocab = ids >= 0
        if model.precomputed:
            out[in_vocab] = self._word_rows.take(ids[in_vocab], axis=0)
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
        if self._index is not None:
            rows, kept = self._index.positions(rows)
            word_idx, keys = word_idx[kept], keys[kept]
        n_entries = len(rows)
        if not model.precomputed:
            # the word's own row comes first: its sort key is below every n-gram key of that word
            vocab_idx = np.flatnonzero(ids >= 0)
            lengths = np.fromiter(
                (len(w.encode("utf8", errors="surrogateescape")) + 2 for w in words), dtype=np.int64, count=len(words)
            )
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
        table = self._table
        if not model.precomputed:  # one memory map holds the word rows and then the bucket rows
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
            sums[:n] += table.take(rows[sorted_starts[:n] + rank], axis=0)
        n_has = int(np.count_nonzero(counts))
        # fastText: vec.mul(1.0 / n) with the factor rounded to float32
        scale = (1.0 / n_total[by_count[:n_has]]).astype(np.float32)
        out[todo[by_count[:n_has]]] = sums[:n_has] * scale[:, None]
        return out


def _readonly(array: np.ndarray | None) -> np.ndarray | None:
    if array is None:
        return None
    view = array.view(np.ndarray)
    view.flags.writeable = False
    return view
