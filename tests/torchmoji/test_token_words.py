"""TorchMoji.v1: torchMoji's tokenisation rules on top of spaCy tokens."""

import pytest
import spacy

from spacy_transfer.torchmoji.token_words import (
    SPECIAL_TOKENS,
    UNKNOWN_ID,
    deepmoji_words,
    shorten_word,
    words_to_ids,
)

VOCAB = {w: i for i, w in enumerate(SPECIAL_TOKENS + [
    "i", "don't", "it's", "!!", "!", "?", "soo", "good", ":)", "..", "'", "yes", "<3"])}  # fmt: skip


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.mark.parametrize(
    "text,words",
    [
        ("I DON'T", ["i", "don't"]),
        ("It’s good", ["it's", "good"]),
        ("soooooo good!!!!", ["soo", "good", "!!"]),
        ("good?!", ["good", "?", "!"]),
        ("good...", ["good", ".."]),
        ("@bob see https://example.com/x or www.foo.org", ["CUSTOM_AT", "see", "CUSTOM_URL", "or", "CUSTOM_URL"]),
        ("I have 12 cats", ["i", "have", "CUSTOM_NUMBER", "cats"]),
        ("yes\n\nyes", ["yes", "CUSTOM_BREAK", "yes"]),
        ("good :) <3", ["good", ":)", "<3"]),
        ("😂😂 good 🙂", ["good"]),
        ("", []),
    ],
)  # fmt: skip
def test_torchmoji_tokenizer_rules(nlp, text, words):
    assert deepmoji_words(nlp(text), VOCAB) == words


def test_torchmoji_tokenizer_ids(nlp):
    words = deepmoji_words(nlp("I don't know"), VOCAB)
    assert words_to_ids(words, VOCAB, 10) == [VOCAB["i"], VOCAB["don't"], UNKNOWN_ID]
    assert words_to_ids(words, VOCAB, 2) == [VOCAB["i"], VOCAB["don't"]]
    # No words (empty or emoji-only): one CUSTOM_UNKNOWN step.
    assert words_to_ids(deepmoji_words(nlp("😂"), VOCAB), VOCAB, 10) == [UNKNOWN_ID]


def test_torchmoji_tokenizer_spans(nlp):
    doc = nlp("I don't. It's good")
    assert deepmoji_words(doc[0:4], VOCAB) == ["i", "don't", "."]


def test_torchmoji_shorten_word():
    assert shorten_word("heeeey") == "heey"
    assert shorten_word("aa") == "aa"
    assert shorten_word("!!!!!") == "!!"
