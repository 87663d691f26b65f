"""Wordpiece alignment and windows (numpy only), checked on hand-made offsets and real tokenizers."""

import numpy
import pytest
import spacy

from spacy_transfer.layers.alignment import DocPieces, align_wordpieces, first_piece_pairs
from spacy_transfer.layers.windows import build_window_batch, make_windows


def _align(doc, offsets):
    starts = numpy.asarray([t.idx for t in doc])
    ends = numpy.asarray([t.idx + len(t.text) for t in doc])
    pair_wp, pair_tok = align_wordpieces(starts, ends, numpy.asarray(offsets).reshape((-1, 2)))
    return list(zip(pair_wp.tolist(), pair_tok.tolist()))


def test_transformer_encoder_align_many_pieces_and_whitespace():
    nlp = spacy.blank("en")
    doc = nlp("Hi  unbelievably don't")
    assert [t.text for t in doc] == ["Hi", " ", "unbelievably", "do", "n't"]
    # "hi", "un", "##believ", "##ably", "don" (covers "do" and the "n" of "n't"), "'", "t"
    offsets = [(0, 2), (4, 6), (6, 12), (12, 16), (17, 20), (20, 21), (21, 22)]
    pairs = _align(doc, offsets)
    assert pairs == [(0, 0), (1, 2), (2, 2), (3, 2), (4, 3), (4, 4), (5, 4), (6, 4)]
    assert 1 not in [tok for _, tok in pairs]  # the whitespace token gets no wordpiece
    first = first_piece_pairs(*map(numpy.asarray, zip(*pairs)))
    assert list(zip(*[a.tolist() for a in first])) == [(0, 0), (1, 2), (4, 3), (4, 4)]


def test_transformer_encoder_align_empty_and_space_pieces():
    nlp = spacy.blank("en")
    doc = nlp("ab cd")
    # a piece that is just the space, and an empty (zero-width) piece at a token start
    assert _align(doc, [(0, 2), (2, 3), (3, 3), (3, 5)]) == [(0, 0), (3, 1)]
    assert _align(nlp(""), numpy.zeros((0, 2))) == []


@pytest.mark.parametrize(
    "n_wp,window,stride,expected",
    [
        (0, 4, 2, []),
        (3, 4, 2, [(0, 3)]),
        (4, 4, 2, [(0, 4)]),
        (7, 4, 2, [(0, 4), (2, 6), (4, 7)]),
        (8, 4, 4, [(0, 4), (4, 8)]),
    ],
)
def test_transformer_encoder_make_windows(n_wp, window, stride, expected):
    assert make_windows(n_wp, window, stride) == expected


def test_transformer_encoder_window_batch_layout():
    docs = [
        DocPieces(ids=numpy.arange(10, 17), pair_wp=numpy.arange(7), pair_tok=numpy.arange(7), n_tokens=7),
        DocPieces(ids=numpy.asarray([20, 21]), pair_wp=numpy.arange(2), pair_tok=numpy.arange(2), n_tokens=2),
    ]
    batch = build_window_batch(docs, prefix=[1], suffix=[2], pad_id=0, window=4, stride=2, max_batch_items=12)
    rows = [row for ids, _ in batch.chunks for row in ids.tolist()]
    # sorted longest first, at most 12 padded positions per chunk (2 x 6, then 2 x 5)
    assert rows == [[1, 10, 11, 12, 13, 2], [1, 12, 13, 14, 15, 2], [1, 14, 15, 16, 2], [1, 20, 21, 2, 0]]
    flat = numpy.concatenate([ids[mask.astype(bool)] for ids, mask in batch.chunks])
    all_ids = numpy.concatenate([d.ids for d in docs])
    assert (flat[batch.sel_pos] == all_ids[batch.sel_wp]).all()
    assert numpy.bincount(batch.sel_wp).tolist() == [1, 1, 2, 2, 2, 2, 1, 1, 1]
    assert batch.pair_tok.tolist() == list(range(9))
