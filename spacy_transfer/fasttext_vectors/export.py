"""Compact export of a fastText model: precomputed word vectors + (optionally pruned, float16) bucket table."""

from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ..errors import Errors
from .io import BUCKETS_FILE, FastTextModel, load_fasttext, write_export
from .subwords import ngram_hashes
from .vectors import CHUNK_WORDS, FastTextVectors

DTYPES = ("float32", "float16")
COPY_ROWS = 1 << 16


def bucket_usage(model: FastTextModel) -> np.ndarray:
    """How often each bucket is used in training text: the summed counts of the vocabulary words whose n-grams
    hash to it. Buckets at 0 were never updated by training and still hold fastText's random initialisation.

    model (FastTextModel): a model with subword information.
    RETURNS (np.ndarray): float64 usage per bucket, shape (bucket,).
    """
    usage = np.zeros(model.bucket, dtype=np.float64)
    counts = model.counts.astype(np.float64)
    for start in range(0, len(model.words), CHUNK_WORDS):
        chunk = model.words[start : start + CHUNK_WORDS]
        word_idx, hashes, _ = ngram_hashes(chunk, model.minn, model.maxn)
        np.add.at(usage, (hashes % np.uint32(model.bucket)).astype(np.int64), counts[start + word_idx])
    return usage


def nonzero_rows(rows: np.ndarray) -> np.ndarray:
    """Mask of the rows that are not all zero (read in blocks from a memory map)."""
    mask = np.zeros(len(rows), dtype=bool)
    for start in range(0, len(rows), COPY_ROWS):
        mask[start : start + COPY_ROWS] = np.any(np.asarray(rows[start : start + COPY_ROWS]) != 0, axis=1)
    return mask


def export_fasttext(
    src: Union[str, Path],
    out_dir: Union[str, Path],
    *,
    max_words: Optional[int] = None,
    dtype: str = "float32",
    prune_buckets: Optional[int] = None,
) -> Dict[str, Any]:
    """Write a compact vectors directory from a fastText `.bin`/`.vec` (or another export).

    src (Union[str, Path]): the fastText model.
    out_dir (Union[str, Path]): the directory to write.
    max_words (Optional[int]): keep the precomputed vectors of the first (most frequent) N words only; the others
        become OOV words, built from their n-grams.
    dtype (str): "float32" or "float16" for the stored tables (lookups always return float32).
    prune_buckets (Optional[int]): keep only the N buckets most used by the vocabulary's n-grams (weighted by word
        counts). A dropped bucket counts as a zero row in the mean. All-zero buckets (fastText leaves most
        buckets that no vocabulary n-gram uses at zero) are always dropped, which changes no vector.
    RETURNS (Dict[str, Any]): the written metadata plus `bytes` (directory size).
    """
    if dtype not in DTYPES:
        raise ValueError(Errors.E109.format(option="dtype", value=dtype, detail=f"use one of {DTYPES}"))
    if max_words is not None and max_words < 0:
        raise ValueError(Errors.E109.format(option="max_words", value=max_words, detail="must be >= 0"))
    if prune_buckets is not None and prune_buckets < 0:
        raise ValueError(Errors.E109.format(option="prune_buckets", value=prune_buckets, detail="must be >= 0"))
    model = load_fasttext(src)
    if Path(out_dir).resolve() == Path(model.path).resolve():
        raise ValueError(Errors.E109.format(option="out_dir", value=str(out_dir), detail="is the source itself"))
    table = FastTextVectors(model, cache_size=0)
    n_words = len(model.words) if max_words is None else min(max_words, len(model.words))
    words = model.words[:n_words]
    word_vectors = np.zeros((n_words, model.dim), dtype=dtype)
    for start in range(0, n_words, CHUNK_WORDS):
        word_vectors[start : start + CHUNK_WORDS] = table.compute(words[start : start + CHUNK_WORDS])
    buckets, bucket_ids = None, None
    if model.has_subwords:
        source_ids = model.bucket_ids
        if source_ids is not None and prune_buckets is not None:
            raise ValueError(
                Errors.E109.format(
                    option="prune_buckets", value=prune_buckets, detail=f"{src} is already pruned; export from the .bin"
                )
            )
        if source_ids is not None:
            bucket_ids = source_ids  # a pruned export: its rows are copied as they are
        else:
            # All-zero rows are dropped always: a missing bucket counts as a zero row, so this is lossless.
            nonzero = nonzero_rows(model.bucket_rows)
            if prune_buckets is None:
                keep = np.flatnonzero(nonzero)
            else:
                usage = bucket_usage(model)
                # the most used buckets first, then never-trained (but non-zero) rows; ties by bucket id
                order = np.lexsort((np.arange(model.bucket), -usage))
                keep = np.sort(order[nonzero[order]][:prune_buckets])
            if len(keep) < model.bucket:
                bucket_ids = keep.astype(np.int64)
        # a pruned source already holds only its kept rows; a pruned export of a full source takes a subset
        buckets = _TakeRows(model.bucket_rows, None if source_ids is not None else bucket_ids)
    meta: Dict[str, Any] = {
        "minn": model.minn,
        "maxn": model.maxn,
        "bucket": model.bucket,
        "source": str(model.path),
        "source_words": len(model.words),
        "max_words": max_words,
        "prune_buckets": prune_buckets,
    }
    out = write_export(out_dir, meta, words, model.counts[:n_words], word_vectors, None, bucket_ids)
    if buckets is not None:
        _save_rows(Path(out) / BUCKETS_FILE, buckets, dtype)
        _patch_meta(Path(out), n_buckets=len(buckets))
    size = sum(p.stat().st_size for p in Path(out).iterdir())
    return {
        **meta,
        "n_words": n_words,
        "dtype": dtype,
        "n_buckets": 0 if buckets is None else len(buckets),
        "bytes": size,
    }


class _TakeRows:
    """Rows of a (memory-mapped) matrix, optionally a subset, read lazily in blocks."""

    def __init__(self, rows: np.ndarray, ids: Optional[np.ndarray]):
        self.rows, self.ids = rows, ids

    def __len__(self) -> int:
        return len(self.rows) if self.ids is None else len(self.ids)

    def block(self, start: int, end: int) -> np.ndarray:
        if self.ids is None:
            return np.asarray(self.rows[start:end])
        return self.rows[self.ids[start:end]]


def _save_rows(path: Path, rows: _TakeRows, dtype: str) -> None:
    # write through a memory-mapped .npy so an 8 GB table never sits in RAM
    dim = rows.rows.shape[1]
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(len(rows), dim))
    for start in range(0, len(rows), COPY_ROWS):
        end = min(start + COPY_ROWS, len(rows))
        out[start:end] = rows.block(start, end)
    out.flush()
    del out


def _patch_meta(out_dir: Path, **values: Any) -> None:
    import json

    from .io import META_FILE

    meta = json.loads((out_dir / META_FILE).read_text(encoding="utf8"))
    meta.update(values)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf8")


def mean_cosine(reference: FastTextVectors, other: FastTextVectors, words: Sequence[str]) -> float:
    """Mean cosine similarity between two tables' vectors for `words` (1 if both are zero, 0 if one is).

    reference (FastTextVectors): usually the full `.bin`.
    other (FastTextVectors): e.g. a compact export.
    words (Sequence[str]): evaluation words, e.g. held-out OOV words.
    RETURNS (float): the mean cosine.
    """
    a = reference.compute(list(words)).astype(np.float64)
    b = other.compute(list(words)).astype(np.float64)
    norm_a, norm_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    norms = norm_a * norm_b
    cos = np.divide((a * b).sum(axis=1), norms, out=np.zeros(len(words)), where=norms > 0)
    cos[(norm_a == 0) & (norm_b == 0)] = 1.0  # both zero (e.g. no n-gram was ever trained): they agree
    return float(cos.mean()) if len(words) else 0.0
