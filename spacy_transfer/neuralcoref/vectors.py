"""neuralcoref's two 50-d word-vector tables and the look-up rules the model was trained with."""

from typing import Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.strings import hash_string

UNKNOWN_WORD = "*UNK*"
MISSING_WORD = "<missing>"
DIGIT_WORD = "0"


class CorefVectors:
    """Static and tuned word vectors, keyed by spaCy 64-bit hashes of lower-cased words.

    Rows are stacked into one table `[tuned; static; conv_dict]`, so every look-up is a
    row index and a mention's embeddings are built with one fancy-indexing call.

    static (numpy.ndarray): (n_static, width) float32.
    static_keys (numpy.ndarray): (n_static,) uint64 hashes.
    tuned (numpy.ndarray): (n_tuned, width) float32.
    tuned_keys (numpy.ndarray): (n_tuned,) uint64 hashes.
    """

    def __init__(self, static, static_keys, tuned, tuned_keys) -> None:
        self.static = numpy.ascontiguousarray(static, dtype="float32")
        self.tuned = numpy.ascontiguousarray(tuned, dtype="float32")
        self.static_keys = numpy.asarray(static_keys, dtype=numpy.uint64)
        self.tuned_keys = numpy.asarray(tuned_keys, dtype=numpy.uint64)
        self.width = self.static.shape[1]
        n_tuned = len(self.tuned)
        self._tuned_row = {int(k): i for i, k in enumerate(self.tuned_keys.tolist())}
        self._static_row = {int(k): n_tuned + i for i, k in enumerate(self.static_keys.tolist())}
        self.unknown_row = self._static_row[hash_string(UNKNOWN_WORD)]
        self.missing_row = self._tuned_row[hash_string(MISSING_WORD)]
        self.digit_key = hash_string(DIGIT_WORD)
        self.conv_dict: Optional[Dict[str, List[str]]] = None
        self._conv_row: Dict[int, int] = {}
        self.table = numpy.vstack([self.tuned, self.static])
        self._cache: Dict[int, Tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self.table)

    def rows(self, keys: Iterable[int]) -> Tuple[numpy.ndarray, numpy.ndarray]:
        """Rows of normalised word hashes: (tuned-first rows, static-only rows).

        The tuned-first row is the original's get_word_embedding(tuned=True); the
        static-only row is get_word_embedding(tuned=False), used for span averages.
        A conv_dict entry overrides both, as in neuralcoref.
        """
        cache = self._cache
        word_rows, static_rows = [], []
        for key in keys:
            hit = cache.get(key)
            if hit is None:
                hit = self._lookup(key)
                cache[key] = hit
            word_rows.append(hit[0])
            static_rows.append(hit[1])
        return numpy.asarray(word_rows, dtype=numpy.int64), numpy.asarray(static_rows, dtype=numpy.int64)

    def _lookup(self, key: int) -> Tuple[int, int]:
        conv = self._conv_row.get(key)
        if conv is not None:
            return conv, conv
        static = self._static_row.get(key, self.unknown_row)
        return self._tuned_row.get(key, static), static

    def set_conv_dict(self, conv_dict: Optional[Dict[str, List[str]]]) -> None:
        """Give words custom vectors: each key gets the mean of its listed words' vectors.

        conv_dict (Optional[Dict[str, List[str]]]): e.g. {"Deepika": ["woman", "actress"]};
            None removes the custom vectors.
        """
        base = len(self.tuned) + len(self.static)
        self.table = self.table[:base]
        self._conv_row = {}
        self._cache = {}
        self.conv_dict = None
        if not conv_dict:
            return
        extra, new_rows = [], {}
        for word, examples in conv_dict.items():
            rows = [self._lookup(hash_string(w.lower()))[0] for w in examples]
            vec = self.table[rows].sum(axis=0) / max(len(rows), 1) if rows else numpy.zeros(self.width, "float32")
            new_rows[hash_string(word.lower())] = base + len(extra)
            extra.append(vec.astype("float32"))
        self._conv_row = new_rows
        self.table = numpy.vstack([self.table, numpy.asarray(extra, dtype="float32")])
        self.conv_dict = {k: list(v) for k, v in conv_dict.items()}
