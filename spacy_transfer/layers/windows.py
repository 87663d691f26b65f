"""Strided windows over each doc's wordpieces, packed into padded, length-sorted chunks: numpy only (no torch)."""

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy

from .alignment import DocPieces

MAX_PADDING_SHARE = 0.1


def make_windows(n_wp: int, window: int, stride: int) -> List[Tuple[int, int]]:
    """Split n_wp wordpieces into windows of at most `window` pieces, starting every `stride` pieces.

    Consecutive windows overlap by window - stride pieces; the last window ends at n_wp.
    RETURNS (List[Tuple[int, int]]): (start, end) of each window; [] for n_wp == 0.
    """
    if n_wp == 0:
        return []
    if n_wp <= window:
        return [(0, n_wp)]
    spans = []
    start = 0
    while True:
        end = min(start + window, n_wp)
        spans.append((start, end))
        if end >= n_wp:
            return spans
        start += stride


@dataclass
class WindowBatch:
    """Padded windows in length-sorted chunks, plus the indices that undo the windowing and pool.

    The encoder flattens the unpadded hidden states of all chunks (chunk by chunk, row by row). `sel_pos`
    picks the content positions from that flat array and `sel_wp` says which global wordpiece each one is;
    `pair_wp`/`pair_tok` pool global wordpieces into global tokens.
    """

    chunks: List[Tuple[numpy.ndarray, numpy.ndarray]]  # (input_ids, attention_mask) int64 (rows, length)
    sel_pos: numpy.ndarray
    sel_wp: numpy.ndarray
    pair_wp: numpy.ndarray
    pair_tok: numpy.ndarray
    n_wp: int
    n_tokens: int
    wp_lengths: List[int]
    tok_lengths: List[int]


def build_window_batch(
    docs: Sequence[DocPieces],
    *,
    prefix: Sequence[int],
    suffix: Sequence[int],
    pad_id: int,
    window: int,
    stride: int,
    max_batch_items: int,
) -> WindowBatch:
    """Cut docs into windows, sort them by length and pack them into padded chunks.

    A chunk holds at most `max_batch_items` padded positions (at least one window) and only windows at least
    (1 - MAX_PADDING_SHARE) as long as its longest: padding stays small, and memory is bounded for long docs.
    """
    windows = []  # (global offset of the window's first wordpiece, ids with special tokens)
    wp_offset = 0
    tok_offset = 0
    all_pair_wp, all_pair_tok = [], []
    prefix_arr = numpy.asarray(prefix, dtype="int64")
    suffix_arr = numpy.asarray(suffix, dtype="int64")
    for doc in docs:
        for start, end in make_windows(len(doc.ids), window, stride):
            ids = numpy.concatenate([prefix_arr, doc.ids[start:end], suffix_arr])
            windows.append((wp_offset + start, ids))
        all_pair_wp.append(doc.pair_wp + wp_offset)
        all_pair_tok.append(doc.pair_tok + tok_offset)
        wp_offset += len(doc.ids)
        tok_offset += doc.n_tokens
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i][1]))
    chunks = []
    sel_pos, sel_wp = [], []
    flat_offset = 0
    i = 0
    while i < len(order):
        max_len = len(windows[order[i]][1])
        n_rows = max(1, max_batch_items // max_len)
        # Start a new chunk where the next window would waste over a tenth of its row on padding.
        min_len = int(max_len * (1.0 - MAX_PADDING_SHARE))
        rows = [w for w in order[i : i + n_rows] if len(windows[w][1]) >= min_len] or [order[i]]
        ids = numpy.full((len(rows), max_len), pad_id, dtype="int64")
        mask = numpy.zeros((len(rows), max_len), dtype="int64")
        for r, w in enumerate(rows):
            first_wp, w_ids = windows[w]
            ids[r, : len(w_ids)] = w_ids
            mask[r, : len(w_ids)] = 1
            n_content = len(w_ids) - len(prefix_arr) - len(suffix_arr)
            sel_pos.append(numpy.arange(n_content) + flat_offset + len(prefix_arr))
            sel_wp.append(numpy.arange(n_content) + first_wp)
            flat_offset += len(w_ids)
        chunks.append((ids, mask))
        i += len(rows)

    def cat(arrays: List[numpy.ndarray]) -> numpy.ndarray:
        return numpy.concatenate(arrays).astype("int64") if arrays else numpy.zeros((0,), dtype="int64")

    # Ordered by wordpiece, so that without overlapping windows sel_wp is 0..n_wp-1 and needs no scatter.
    sel_pos_arr, sel_wp_arr = cat(sel_pos), cat(sel_wp)
    by_wp = numpy.argsort(sel_wp_arr, kind="stable")
    return WindowBatch(
        chunks=chunks,
        sel_pos=sel_pos_arr[by_wp],
        sel_wp=sel_wp_arr[by_wp],
        pair_wp=cat(all_pair_wp),
        pair_tok=cat(all_pair_tok),
        n_wp=wp_offset,
        n_tokens=tok_offset,
        wp_lengths=[len(d.ids) for d in docs],
        tok_lengths=[d.n_tokens for d in docs],
    )
