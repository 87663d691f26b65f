"""zero_shot_classifier's `depth` setting: fewer layers of the same model, kept through to_disk, coded errors."""

import numpy
import pytest
import spacy

from spacy_transfer.layers.depth import transformer_layers

LABELS = ["weather", "banking", "music"]
TEXTS = ["Will it rain tomorrow?", "How do I open a savings account?"]


def classifier(**config):
    nlp = spacy.blank("en")
    nlp.add_pipe("zero_shot_classifier", config={"labels": LABELS, **config})
    return nlp


def test_depth_keeps_the_bottom_layers(minilm_path):
    from spacy_transfer.zero_shot_classifier.torch_model import EmbeddingBackend

    full = EmbeddingBackend(minilm_path, batch_size=2)
    shallow = EmbeddingBackend(minilm_path, batch_size=2, depth=3)
    assert (len(transformer_layers(full.model)), len(transformer_layers(shallow.model))) == (6, 3)
    assert not numpy.allclose(full.embed(TEXTS), shallow.embed(TEXTS), atol=1e-3)


def test_depth_round_trips_and_is_used(minilm_path, tmp_path):
    nlp = classifier(depth=3)
    cats = nlp(TEXTS[0]).cats
    assert cats != classifier()(TEXTS[0]).cats
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("zero_shot_classifier").cfg["depth"] == 3
    assert loaded(TEXTS[0]).cats == pytest.approx(cats, abs=1e-6)


def test_invalid_depth(minilm_path, tiny_nli_path):
    with pytest.raises(ValueError, match=r"E250.*depth"):
        classifier(depth=0)
    with pytest.raises(ValueError, match=r"E371.*has 6 transformer layers"):
        classifier(depth=7)(TEXTS[0])
    nli = classifier(backend="nli", model=str(tiny_nli_path), depth=1)
    nli(TEXTS[0])  # a task-head model (BertForSequenceClassification) is cut as well
    assert len(transformer_layers(nli.get_pipe("zero_shot_classifier")._get_backend().model)) == 1
