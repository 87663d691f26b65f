"""Helpers that tests of several components share: datasets, a fresh interpreter, tiny Hugging Face models."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# fmt: off
SAMPLE_WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "i", "love", "hate", "it", "this", "movie", "is", "great",
                "bad", "do", "n", "'", "t", ",", ".", "!", "?", "hello", "world", "un", "##believ", "##ably", "stop"]
# fmt: on
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
# Single letters and their word pieces, so that unknown words still split into several pieces.
BERT_WORDS = SAMPLE_WORDS + LETTERS + ["##" + c for c in LETTERS]


def data_dir() -> Path:
    """Where the shared datasets live: $SPACY_TRANSFER_DATA or ../shared/datasets."""
    return Path(os.environ.get("SPACY_TRANSFER_DATA", ROOT.parent / "shared" / "datasets"))


def dataset(*parts: str) -> Path:
    """The path of a file or folder under the shared datasets; skips the test when it is not there.

    parts (str): Path components below the datasets folder, e.g. ("goemotions", "original", "train.tsv").
    RETURNS (Path): The existing path.
    """
    path = data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found; set SPACY_TRANSFER_DATA (default ../shared/datasets)")
    return path


def mpnet_missing() -> str:
    """Why tests of all-mpnet-base-v2 cannot run here ("" where `make mpnet-base` left it in the cache)."""
    from spacy_transfer.layers.packaged_encoders import packaged_encoder_path

    try:
        packaged_encoder_path("mpnet-base")
    except ValueError:
        return "all-mpnet-base-v2 not downloaded (make mpnet-base)"
    return ""


def shipped_output_reader(factory: str, zero_shot_labels: Sequence[str] = ()) -> Callable[[Any], Any]:
    """How tests read what a component that ships weights wrote on a doc, rounded so that equal runs compare equal
    (zero-shot: only `zero_shot_labels`, as a textcat beside it writes to doc.cats too)."""
    import numpy

    def clusters(doc):
        return [[m.text for m in c] for c in doc._.coref_clusters or []]

    def neuralcoref(doc):
        # the scores too: they show the scorer's weights, not only the decisions taken from them
        scores = {
            (m.start, m.end): {(a.start, a.end): round(s, 4) for a, s in antecedents.items()}
            for m, antecedents in doc._.coref_scores.items()
        }
        return clusters(doc), scores

    readers = {
        "coref": clusters,
        "neuralcoref": neuralcoref,
        "torchmoji": lambda doc: [(label, round(p, 5)) for label, p in doc._.emotions],
        "zero_shot_classifier": lambda doc: {label: round(doc.cats[label], 5) for label in zero_shot_labels},
        "fasttext_vectors": lambda doc: numpy.round(numpy.stack([t.vector for t in doc]), 5).tolist(),
        "transformer_encoder": lambda doc: numpy.round(doc.tensor, 4).tolist(),
    }
    return readers[factory]


def run_in_fresh_interpreter(code: str) -> str:
    """Run `code` in a new Python process and return its stdout; fails the test with its stderr.

    A fresh process is the only way to see what entry points alone register and what a plain
    `add_pipe` imports, since this process has imported everything already.
    """
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def macro_f1(gold, pred) -> float:
    """Macro-averaged F1 over the columns (labels) of two boolean n_docs x n_labels arrays; a label with no
    gold and no predicted doc scores 0, as in spaCy's PRFScore. Project tests recompute reported scores with it.
    """
    import numpy

    gold, pred = numpy.asarray(gold, dtype=bool), numpy.asarray(pred, dtype=bool)
    tp = (gold & pred).sum(axis=0)
    errors = (gold != pred).sum(axis=0)
    return float(numpy.mean(2 * tp / numpy.maximum(2 * tp + errors, 1)))


def build_tiny_bert(
    path: Path,
    words: Sequence[str] = BERT_WORDS,
    *,
    id2label: Optional[Dict[int, str]] = None,
    max_positions: int = 64,
    initializer_range: float = 0.02,
    seed: int = 0,
) -> Path:
    """Save a random 2-layer, 32-wide BERT with a fast WordPiece tokenizer over `words` to path.

    path (Path): The directory to write (config.json, model.safetensors, tokenizer files).
    words (Sequence[str]): The vocabulary after the special tokens; its size fixes the random weights. The
        default is the one of the shared `tiny_bert_dir` fixture (tests/conftest.py).
    id2label (Optional[Dict[int, str]]): Labels of a sequence-classification head; None for a bare encoder.
    max_positions (int): The position embeddings, also the tokenizer's model_max_length.
    initializer_range (float): The weights' standard deviation; large values make labels' scores differ clearly.
    seed (int): The torch seed for the weights.
    RETURNS (Path): path.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    vocab = list(dict.fromkeys(SPECIAL_TOKENS + list(words)))
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The pair template is what NLI models need (premise, hypothesis); single texts use the first one.
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    tok.decoder = decoders.WordPiece()
    path.mkdir(parents=True, exist_ok=True)
    tok.save(str(path / "tokenizer.json"))
    tokenizer_config = '{"tokenizer_class": "BertTokenizer", "model_max_length": %d}' % max_positions
    (path / "tokenizer_config.json").write_text(tokenizer_config)
    labels = {} if id2label is None else {"id2label": dict(id2label), "label2id": {v: k for k, v in id2label.items()}}
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_positions,
        pad_token_id=0,
        initializer_range=initializer_range,
        **labels,
    )
    torch.manual_seed(seed)
    model_class = BertModel if id2label is None else BertForSequenceClassification
    model_class(config).save_pretrained(str(path))
    return path
