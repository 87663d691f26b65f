"""TransformerListener: training through the shared encoder, gradient flow, clear errors."""

import numpy
import pytest
import spacy
from spacy.training import Example
from thinc.api import fix_random_seed

from spacy_transfer.layers.listener import TransformerListener

TRAIN_DATA = [
    ("I love this movie, it is great!", {"cats": {"POS": 1.0, "NEG": 0.0}}),
    ("I hate this movie. It is bad.", {"cats": {"POS": 0.0, "NEG": 1.0}}),
    ("The cat sat on the mat, great!", {"cats": {"POS": 1.0, "NEG": 0.0}}),
]


def textcat_config(grad_factor=1.0, upstream="transformer_encoder"):
    return {
        "model": {
            "@architectures": "spacy.TextCatReduce.v1",
            "exclusive_classes": True,
            "use_reduce_first": False,
            "use_reduce_last": False,
            "use_reduce_max": False,
            "use_reduce_mean": True,
            "tok2vec": {
                "@architectures": "spacy_transfer.TransformerListener.v1",
                "upstream": upstream,
                "grad_factor": grad_factor,
            },
        }
    }


def make_pipeline(model_dir, grad_factor=1.0):
    nlp = spacy.blank("en")
    enc_cfg = {
        "@architectures": "spacy_transfer.TransformerModel.v1",
        "name": str(model_dir),
        "window": 32,
        "stride": 24,
    }
    nlp.add_pipe("transformer_encoder", config={"model": enc_cfg})
    nlp.add_pipe("textcat", config=textcat_config(grad_factor))
    return nlp


def encoder_weights(nlp):
    from spacy_transfer.layers.transformer import get_transformer

    transformer = get_transformer(nlp.get_pipe("transformer_encoder").model)
    return {k: v.detach().clone().numpy() for k, v in transformer.state_dict().items()}


def test_transformer_listener_overfit_and_gradients(tiny_model_dir):
    fix_random_seed(0)
    nlp = make_pipeline(tiny_model_dir)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    optimizer = nlp.initialize(get_examples=lambda: examples)
    encoder = nlp.get_pipe("transformer_encoder")
    assert encoder.listening_components == ["textcat"]
    assert nlp.get_pipe("textcat").model.get_ref("tok2vec").get_dim("nO") == 32
    before = encoder_weights(nlp)
    for i in range(40):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        if i == 0:
            first_loss = losses["textcat"]
    assert losses["textcat"] < first_loss / 5
    assert losses["transformer_encoder"] > 0  # squared norm of the gradient the listener sent
    after = encoder_weights(nlp)
    changed = [k for k in before if not numpy.allclose(before[k], after[k])]
    assert any("layer.1" in k for k in changed), "gradients did not reach the transformer"
    for text, annots in TRAIN_DATA:
        cats = nlp(text).cats
        assert max(cats, key=cats.get) == max(annots["cats"], key=annots["cats"].get)
    # evaluate and pipe agree with single calls
    scores = nlp.evaluate(examples)
    assert "cats_score" in scores
    texts = [t for t, _ in TRAIN_DATA]
    for doc, text in zip(nlp.pipe(texts), texts):
        assert doc.cats == pytest.approx(nlp(text).cats, abs=1e-5)


def test_transformer_listener_grad_factor_zero_freezes(tiny_bert_dir):
    fix_random_seed(0)
    nlp = make_pipeline(tiny_bert_dir, grad_factor=0.0)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    optimizer = nlp.initialize(get_examples=lambda: examples)
    optimizer.L2 = 0.0  # weight decay alone would move the weights
    before = encoder_weights(nlp)
    for _ in range(3):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
    assert losses["transformer_encoder"] == 0.0
    after = encoder_weights(nlp)
    assert all(numpy.allclose(before[k], after[k]) for k in before)


def test_transformer_listener_update_on_empty_example(tiny_bert_dir):
    nlp = make_pipeline(tiny_bert_dir)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    optimizer = nlp.initialize(get_examples=lambda: examples)
    empty = Example.from_dict(nlp.make_doc(""), {"cats": {"POS": 1.0, "NEG": 0.0}})
    losses = nlp.update([empty], sgd=optimizer)
    assert all(numpy.isfinite(v) for v in losses.values())
    # with real examples beside it, the empty one does not hide their loss
    losses = nlp.update(examples + [empty], sgd=optimizer)
    assert losses["textcat"] > 0 and all(numpy.isfinite(v) for v in losses.values())


def test_transformer_listener_missing_upstream(tiny_bert_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("textcat", config=textcat_config())
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    listener = nlp.get_pipe("textcat").model.get_ref("tok2vec")
    assert isinstance(listener, TransformerListener)
    listener.set_dim("nO", 32)
    with pytest.raises(ValueError, match="E363"):
        nlp.initialize(get_examples=lambda: examples)
    listener.upstream_linked = True  # pretend, to get past initialize
    nlp.initialize(get_examples=lambda: examples)
    listener.upstream_linked = False
    with pytest.raises(ValueError, match="E363"):
        nlp("No encoder ran on this doc.")
    with pytest.raises(ValueError, match="E362"):
        nlp.update(examples)


def test_transformer_listener_batch_mismatch(tiny_bert_dir):
    nlp = make_pipeline(tiny_bert_dir)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    nlp.initialize(get_examples=lambda: examples)
    nlp.get_pipe("transformer_encoder").update(examples[:2])
    textcat = nlp.get_pipe("textcat")
    with pytest.raises(ValueError, match="E362"):
        textcat.update(examples[1:])


def test_transformer_listener_width_mismatch(tiny_bert_dir):
    nlp = make_pipeline(tiny_bert_dir)
    nlp.get_pipe("textcat").model.get_ref("tok2vec").set_dim("nO", 16, force=True)
    examples = [Example.from_dict(nlp.make_doc(t), a) for t, a in TRAIN_DATA]
    with pytest.raises(ValueError, match="E210"):
        nlp.initialize(get_examples=lambda: examples)
