"""Fixtures for the zero_shot_classifier tests: tiny random models built on the spot."""
from pathlib import Path

import pytest

# fmt: off
TINY_WORDS = [
    "this", "example", "is", "about", "the", "a", "i", "want", "to", "book", "flight",
    "paris", "my", "card", "was", "declined", "how", "long", "boil", "pasta", "travel",
    "cooking", "banking", "sports", "politics", "weather", "game", "won", "team", "vote",
    "election", "rain", "tomorrow", "it", "will", "be", "sunny", "money", "bank", "account",
    "##s", "##ing", "##ed", ".", ",", "?", "!",
]
# fmt: on
NLI_ID2LABEL = {0: "contradiction", 1: "neutral", 2: "entailment"}


def build_tiny_bert(path: Path, id2label, *, seed: int = 0, layers: int = 2, width: int = 32) -> Path:
    """Save a random BERT sequence classifier and its WordPiece tokenizer to path."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + TINY_WORDS
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(vocab)}, model_max_length=64)
    tokenizer.save_pretrained(str(path))
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=width,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * width,
        max_position_embeddings=64,
        # Large random weights, so that labels get clearly different scores.
        initializer_range=0.5,
        id2label=dict(id2label),
        label2id={v: k for k, v in id2label.items()},
    )
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_nli_path(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_nli"), NLI_ID2LABEL)


@pytest.fixture(scope="session")
def tiny_non_nli_path(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_sentiment"), {0: "negative", 1: "positive"})


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    pytest.importorskip("transformers")
    try:
        from spacy_transfer.zero_shot_classifier.io import default_embedding_model_path

        return default_embedding_model_path()
    except ValueError as e:
        pytest.skip(str(e))
