"""Wordpiece alignment, strided windows and batch layout: numpy only (no torch)."""

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy

POOLING_MODES = ("mean", "first")
MAX_PADDING_SHARE = 0.1


def align_wordpieces(
    token_starts: numpy.ndarray, token_ends: numpy.ndarray, wp_offsets: numpy.ndarray
) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Pair every wordpiece with every spaCy token whose characters it overlaps.

    Tokens are contiguous and sorted by position, so the tokens overlapping the character span [s, e) of a
    wordpiece form a range: from the first token that ends after s to the last token that starts before e.
    A whitespace token overlaps no wordpiece and stays unaligned; a wordpiece covering two tokens (spaCy
    splits "don't" into "do" + "n't", the tokenizer may not) is paired with both.

    token_starts (numpy.ndarray): int (n_tokens,) character offset of each token.
    token_ends (numpy.ndarray): int (n_tokens,) end offset (exclusive, no trailing whitespace).
    wp_offsets (numpy.ndarray): int (n_wp, 2) character span of each wordpiece.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): (pair_wp, pair_tok), int64 arrays sorted by wordpiece.
    """
    if len(wp_offsets) == 0 or len(token_starts) == 0:
        empty = numpy.zeros((0,), dtype="int64")
        return empty, empty
    starts, ends = wp_offsets[:, 0], wp_offsets[:, 1]
    first = numpy.searchsorted(token_ends, starts, side="right")
    last = numpy.searchsorted(token_starts, ends, side="left") - 1
    counts = numpy.maximum(last - first + 1, 0)
    pair_wp = numpy.repeat(numpy.arange(len(wp_offsets), dtype="int64"), counts)
    # Position of each pair within its wordpiece's run, added to the run's first token.
    run_starts = numpy.repeat(numpy.cumsum(counts) - counts, counts)
    pair_tok = numpy.repeat(first, counts) + (numpy.arange(len(pair_wp)) - run_starts)
    return pair_wp, pair_tok.astype("int64")


def first_piece_pairs(pair_wp: numpy.ndarray, pair_tok: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Keep only the first wordpiece of each token ("first" pooling)."""
    if len(pair_tok) == 0:
        return pair_wp, pair_tok
    order = numpy.lexsort((pair_wp, pair_tok))
    tok_sorted = pair_tok[order]
    keep = numpy.ones(len(order), dtype=bool)
    keep[1:] = tok_sorted[1:] != tok_sorted[:-1]
    return pair_wp[order][keep], tok_sorted[keep]


def cap_pieces_per_token(
    ids: numpy.ndarray, pair_wp: numpy.ndarray, pair_tok: numpy.ndarray, cap: int
) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Keep at most `cap` wordpieces of each token (its first ones), so that one huge token (100k CJK
    characters, a base64 blob) cannot make a doc cost many times more than prose of the same length.

    A wordpiece is dropped when all its pairs are beyond their token's cap; wordpieces aligned to no token are
    kept. The pairs are renumbered to the kept wordpieces.

    ids (numpy.ndarray): int64 (n_wp,) wordpiece ids.
    pair_wp, pair_tok (numpy.ndarray): int64 (n_pairs,) alignment, sorted by wordpiece.
    cap (int): most wordpieces per token.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]): (ids, pair_wp, pair_tok) after the cap.
    """
    if len(pair_tok) == 0:
        return ids, pair_wp, pair_tok
    order = numpy.lexsort((pair_wp, pair_tok))
    tok_sorted = pair_tok[order]
    starts = numpy.ones(len(order), dtype=bool)
    starts[1:] = tok_sorted[1:] != tok_sorted[:-1]
    group_start = numpy.maximum.accumulate(numpy.where(starts, numpy.arange(len(order)), 0))
    rank = numpy.empty(len(order), dtype="int64")
    rank[order] = numpy.arange(len(order)) - group_start
    keep_pair = rank < cap
    if keep_pair.all():
        return ids, pair_wp, pair_tok
    keep_wp = numpy.ones(len(ids), dtype=bool)
    keep_wp[pair_wp] = False
    keep_wp[pair_wp[keep_pair]] = True
    new_index = numpy.cumsum(keep_wp) - 1
    return ids[keep_wp], new_index[pair_wp[keep_pair]].astype("int64"), pair_tok[keep_pair]


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
class DocPieces:
    """The wordpieces of one doc and their alignment to its tokens."""

    ids: numpy.ndarray  # int64 (n_wp,)
    pair_wp: numpy.ndarray  # int64 (n_pairs,) wordpiece of each (wordpiece, token) pair
    pair_tok: numpy.ndarray  # int64 (n_pairs,) token of each pair
    n_tokens: int


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


@dataclass
class TransformerEncoderOutput:
    """What the encoder model returns for a batch of docs.

    tokens: one (n_tokens x width) array per doc, the pooled wordpiece states of each token.
    wordpieces: one (n_wp x width) array per doc, the last hidden states (windows merged).
    pieces: the wordpiece ids and token alignment of each doc.
    """

    tokens: List[numpy.ndarray]
    wordpieces: List[numpy.ndarray]
    pieces: List[DocPieces]

    def __len__(self) -> int:
        return len(self.tokens)
