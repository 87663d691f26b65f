"""The shipped default weights: add_pipe("torchmoji") works out of the box."""

import pytest
import spacy

from spacy_transfer.torchmoji.io import DATA_DIR, DEFAULT_PRETRAINED

pytestmark = pytest.mark.skipif(
    not (DATA_DIR / DEFAULT_PRETRAINED / "model.safetensors").exists(),
    reason="default torchmoji weights not built: python -m spacy project run all projects/emotion",
)


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("torchmoji")
    return nlp


def test_torchmoji_default_model_out_of_the_box(nlp):
    pipe = nlp.get_pipe("torchmoji")
    assert len(pipe.labels) == 28 and "neutral" in pipe.labels
    doc = nlp("Thank you so much, I really appreciate it! This is terrible.")
    assert set(doc.cats) == set(pipe.labels)
    assert doc._.emotions[0][1] == max(doc.cats.values())
    assert len(doc._.torchmoji_vector) == nlp.get_pipe("torchmoji").model.get_dim("nF")
    assert all(s._.emotions for s in doc.sents)


@pytest.mark.parametrize(
    "text,label",
    [("Thank you so much for your help!", "gratitude"),
     ("I love you so much", "love"),
     ("I'm so sorry for your loss.", "remorse")],
)  # fmt: skip
def test_torchmoji_default_model_predictions(nlp, text, label):
    assert label in [name for name, _ in nlp(text)._.emotions]


def test_torchmoji_default_model_emoji_only_and_empty(nlp):
    for text in ["😂😂", "", " "]:
        doc = nlp(text)
        assert len(doc.cats) == 28
