"""Fixtures for the zero_shot_classifier tests: tiny random models built on the spot."""

from pathlib import Path

import pytest

from tests.helpers import build_tiny_bert

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
# Large random weights, so that labels get clearly different scores.
WEIGHT_SCALE = 0.5


@pytest.fixture(scope="session")
def tiny_nli_path(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_bert(
        tmp_path_factory.mktemp("tiny_nli"), TINY_WORDS, id2label=NLI_ID2LABEL, initializer_range=WEIGHT_SCALE
    )


@pytest.fixture(scope="session")
def tiny_non_nli_path(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    sentiment = {0: "negative", 1: "positive"}
    return build_tiny_bert(
        tmp_path_factory.mktemp("tiny_sentiment"), TINY_WORDS, id2label=sentiment, initializer_range=WEIGHT_SCALE
    )


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    pytest.importorskip("transformers")
    try:
        from spacy_transfer.zero_shot_classifier.io import default_embedding_model_path

        return default_embedding_model_path()
    except ValueError as e:
        pytest.skip(str(e))
