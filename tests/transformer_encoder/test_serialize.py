"""Saving and loading: offline reload from the component folder, bytes round-trip."""

import shutil

import numpy
import pytest
import spacy
from spacy.training import Example
from spacy.util import load_model_from_path
from thinc.api import fix_random_seed

from .test_listener import TRAIN_DATA, make_pipeline

TEXTS = ["I love this movie, it is great!", "", "Don't stop  the dog. " * 10]


def test_transformer_encoder_to_bytes_before_initialize(tiny_bert_dir):
    nlp = make_pipeline(tiny_bert_dir)
    enc = nlp.get_pipe("transformer_encoder")
    data = enc.to_bytes(exclude=["vocab"])
    enc2 = make_pipeline(tiny_bert_dir).get_pipe("transformer_encoder")
    enc2.from_bytes(data, exclude=["vocab"])
    assert enc2.to_bytes(exclude=["vocab"]) == data
    assert not enc2.model.layers


def test_transformer_encoder_bytes_roundtrip(tiny_bert_dir):
    nlp = make_pipeline(tiny_bert_dir)
    nlp.initialize(get_examples=lambda: [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA])
    data = nlp.get_pipe("transformer_encoder").to_bytes(exclude=["vocab"])
    nlp2 = make_pipeline(tiny_bert_dir)
    nlp2.get_pipe("transformer_encoder").from_bytes(data, exclude=["vocab"])
    assert nlp2.get_pipe("transformer_encoder").to_bytes(exclude=["vocab"]) == data
    nlp3 = make_pipeline(tiny_bert_dir)
    nlp3.from_bytes(nlp.to_bytes())
    for doc, doc3 in zip(nlp.pipe(TEXTS), nlp3.pipe(TEXTS)):
        numpy.testing.assert_allclose(doc.tensor, doc3.tensor, atol=1e-5)
        assert doc.cats == pytest.approx(doc3.cats, abs=1e-5)


def test_transformer_encoder_to_disk_reloads_offline(tiny_bert_dir, tmp_path, monkeypatch):
    # Train briefly on a private copy of the model, save, delete the copy, reload without network.
    model_dir = shutil.copytree(tiny_bert_dir, tmp_path / "private_model")
    fix_random_seed(0)
    nlp = make_pipeline(model_dir)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    optimizer = nlp.initialize(get_examples=lambda: examples)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    expected = list(nlp.pipe(TEXTS))
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(model_dir)
    saved = tmp_path / "pipeline" / "transformer_encoder" / "model"
    assert sorted(p.name for p in saved.iterdir()) == ["config.json", "model.safetensors", "tokenizer.json"]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    nlp2 = load_model_from_path(tmp_path / "pipeline")
    assert nlp2.pipe_names == ["transformer_encoder", "textcat"]
    assert nlp2.get_pipe("transformer_encoder").listening_components == ["textcat"]
    for doc, doc2 in zip(expected, nlp2.pipe(TEXTS)):
        numpy.testing.assert_allclose(doc.tensor, doc2.tensor, atol=1e-5)
        assert doc.cats == pytest.approx(doc2.cats, abs=1e-5)
    # the saved folder is also a plain Hugging Face model directory (fine-tuned weights)
    from transformers import AutoModel

    assert AutoModel.from_pretrained(str(saved)).config.hidden_size == 32


def test_transformer_encoder_corrupt_saved_model(tiny_bert_dir, tmp_path):
    nlp = make_pipeline(tiny_bert_dir)
    nlp.initialize(get_examples=lambda: [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA])
    nlp.to_disk(tmp_path / "p")
    (tmp_path / "p" / "transformer_encoder" / "model" / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="E360"):
        spacy.load(tmp_path / "p")
    (tmp_path / "p" / "transformer_encoder" / "model" / "model.safetensors").unlink()
    with pytest.raises(ValueError, match="E357"):
        spacy.load(tmp_path / "p")


def test_transformer_encoder_used_pipeline_pickles(tiny_bert_dir):
    """transformers hooks local functions into a model on its first forward pass; pickling must still work."""
    import pickle

    nlp = make_pipeline(tiny_bert_dir)
    nlp.initialize(get_examples=lambda: [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA])
    before = list(nlp.pipe(TEXTS))
    copy = pickle.loads(pickle.dumps(nlp))
    for doc, again in zip(before, copy.pipe(TEXTS)):
        numpy.testing.assert_allclose(doc.tensor, again.tensor, atol=1e-5)
    list(nlp.pipe(TEXTS))  # the original keeps working
