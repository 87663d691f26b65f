"""The word-level scorer's chunking: the same scores whatever the chunk sizes, and per-document work done once."""

import pytest

torch = pytest.importorskip("torch")

from spacy_transfer.coref import torch_model  # noqa: E402
from spacy_transfer.coref.torch_model import WordCorefScorer  # noqa: E402


def scores_with_chunks(module, tokens, monkeypatch, row_chunk, pair_chunk):
    monkeypatch.setattr(torch_model, "ROW_CHUNK", row_chunk)
    monkeypatch.setattr(torch_model, "PAIR_CHUNK", pair_chunk)
    with torch.no_grad():
        return module(tokens)


def test_scores_do_not_depend_on_chunk_sizes(monkeypatch):
    torch.manual_seed(0)
    module = WordCorefScorer(48, hidden=32, rough_k=7, max_distance=40, span_left=3, span_right=2).eval()
    tokens = torch.randn(301, 48)
    whole = scores_with_chunks(module, tokens, monkeypatch, 10_000, 10_000)
    chunked = scores_with_chunks(module, tokens, monkeypatch, 64, 5)
    (cands, scores, spans, _), (cands2, scores2, spans2, _) = whole, chunked
    assert torch.equal(cands, cands2)
    for a, b in ((scores, scores2), (spans, spans2)):
        assert torch.equal(torch.isinf(a), torch.isinf(b))
        assert torch.allclose(a[torch.isfinite(a)], b[torch.isfinite(b)], atol=1e-5)


def test_span_first_layer_runs_once_per_document(monkeypatch):
    """Each chunk of head words reads the same per-word projections: computing them per chunk would make a long
    document quadratic (a 100k-word doc: 400 chunks, each projecting every word)."""
    monkeypatch.setattr(torch_model, "ROW_CHUNK", 16)
    module = WordCorefScorer(24, hidden=16, rough_k=4, max_distance=30).eval()
    calls = []
    module.span.first_word.register_forward_hook(lambda mod, inputs, out: calls.append(inputs[0].shape[0]))
    with torch.no_grad():
        module(torch.randn(100, 24))
    assert calls == [100]
