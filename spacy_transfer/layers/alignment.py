"""Wordpieces aligned to spaCy tokens by character offsets: numpy only (no torch)."""

from dataclasses import dataclass
from typing import Tuple

import numpy

POOLING_MODES = ("mean", "first")


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


@dataclass
class DocPieces:
    """The wordpieces of one doc and their alignment to its tokens."""

    ids: numpy.ndarray  # int64 (n_wp,)
    pair_wp: numpy.ndarray  # int64 (n_pairs,) wordpiece of each (wordpiece, token) pair
    pair_tok: numpy.ndarray  # int64 (n_pairs,) token of each pair
    n_tokens: int
