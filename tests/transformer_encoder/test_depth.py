"""The encoders' `depth` setting: the bottom N layers, computed as the full model computes them, saved and
reloaded, no work done for the dropped layers, and coded errors for a bad N."""

import numpy
import pytest
import spacy
from spacy.util import registry

from spacy_transfer.layers.depth import transformer_layers
from spacy_transfer.layers.transformer import get_transformer

from .test_component import make_nlp

TEXT = "The cat sat on the mat. I love this movie, it is great!"


def hidden_state_vectors(model_dir, doc, layer: int):
    """Reference: transformers' full model, hidden state `layer` (0 = embeddings), mean-pooled per token."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    enc = tok(doc.text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
    with torch.no_grad():
        out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], output_hidden_states=True)
    hidden = out.hidden_states[layer][0].numpy()
    vectors = numpy.zeros((len(doc), hidden.shape[1]), dtype="float32")
    pieces = list(zip(enc["offset_mapping"][0].tolist(), enc["special_tokens_mask"][0].tolist()))
    for t in doc:
        rows = [i for i, ((s, e), sp) in enumerate(pieces) if not sp and s < t.idx + len(t.text) and e > t.idx]
        vectors[t.i] = hidden[rows].mean(0)
    return vectors


def count_flops(nlp, text: str) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        nlp(text)
    return counter.get_total_flops()


def test_depth_gives_the_full_models_hidden_state(tiny_model_dir):
    nlp = make_nlp(tiny_model_dir, depth=1)
    doc = nlp(TEXT)
    numpy.testing.assert_allclose(doc.tensor, hidden_state_vectors(tiny_model_dir, doc, 1), atol=1e-5)
    full = make_nlp(tiny_model_dir)(TEXT)
    assert not numpy.allclose(full.tensor, doc.tensor, atol=1e-3)  # a second layer would have changed them


def test_dropped_layers_do_no_work(tiny_bert_dir):
    shallow, full = make_nlp(tiny_bert_dir, depth=1), make_nlp(tiny_bert_dir)
    assert len(transformer_layers(get_transformer(shallow.get_pipe("transformer_encoder").model))) == 1
    assert len(transformer_layers(get_transformer(full.get_pipe("transformer_encoder").model))) == 2
    flops_1, flops_2 = count_flops(shallow, TEXT), count_flops(full, TEXT)
    # Two identical layers on top of the embeddings: one layer costs half of the two, give or take nothing.
    assert flops_1 == pytest.approx(flops_2 / 2, rel=0.01)


def test_depth_round_trips_through_disk(tiny_bert_dir, tmp_path):
    nlp = make_nlp(tiny_bert_dir, depth=1)
    before = nlp(TEXT).tensor
    nlp.to_disk(tmp_path / "pipeline")
    saved = (tmp_path / "pipeline" / "transformer_encoder").rglob("config.json")
    assert any('"num_hidden_layers": 1' in path.read_text() for path in saved)
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.config["components"]["transformer_encoder"]["model"]["depth"] == 1
    pipe = loaded.get_pipe("transformer_encoder")
    numpy.testing.assert_allclose(loaded(TEXT).tensor, before, atol=1e-6)
    assert len(transformer_layers(get_transformer(pipe.model))) == 1


@pytest.mark.parametrize("depth", [0, -1])
def test_invalid_depth_is_a_coded_error(tiny_bert_dir, depth):
    with pytest.raises(ValueError, match="E371"):
        make_nlp(tiny_bert_dir, depth=depth)


@pytest.mark.parametrize("depth", [True, 1.5, "2"])
def test_depth_of_another_type_is_a_config_error(tiny_bert_dir, depth):
    with pytest.raises(ValueError, match=r"depth"):  # spaCy's config validation names the setting
        make_nlp(tiny_bert_dir, depth=depth)


def test_depth_above_the_models_layers_is_a_coded_error(tiny_bert_dir):
    with pytest.raises(ValueError, match=r"E371.*has 2 transformer layers"):
        make_nlp(tiny_bert_dir, depth=3)


def test_tuned_and_frozen_encoders_keep_depth_layers(tiny_bert_dir):
    tuned = registry.architectures.get("spacy_transfer.TunedTransformer.v1")(
        name=str(tiny_bert_dir), window=32, stride=24, tuned_layers=1, depth=1
    )
    tuned.initialize()
    mixed = tuned.layers[0].layers[0].shims[0]._model.transformer
    assert tuple(mixed.layer_logits.shape) == (2,)  # embeddings + the one kept layer
    assert len(transformer_layers(mixed.inner)) == 1
    frozen = registry.architectures.get("spacy_transfer.FrozenTransformer.v1")(
        name=str(tiny_bert_dir), window=32, stride=24, all_layers=True, depth=1
    )
    frozen.initialize()
    assert frozen.get_dim("nO") == 2 * 32  # embeddings and one layer, side by side
    too_many = registry.architectures.get("spacy_transfer.TunedTransformer.v1")(
        name=str(tiny_bert_dir), window=32, stride=24, tuned_layers=2, depth=1
    )
    with pytest.raises(ValueError, match="E361.*tuned_layers"):
        too_many.initialize()
