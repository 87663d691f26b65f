"""The faster tier, `weights = "coref-en-fast"`: the default's recipe on the bottom 4 of MiniLM's 6 layers, run
with windows 224 apart (docs/encoder_depth.md). One line loads it, its weights record the model they need, it
runs fewer encoder layers than the default, gives the README example, and a pipeline with it saves and loads
back."""

import pytest
import spacy

from spacy_transfer.coref.io import packaged_names
from spacy_transfer.layers.depth import transformer_layers
from spacy_transfer.layers.tuned_encoder import hf_transformer

from .test_component import clusters_of


def encoder_of(nlp):
    return hf_transformer(nlp.get_pipe("coref").model.get_ref("tok2vec"))


@pytest.fixture(scope="module")
def fast_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": "coref-en-fast"})
    nlp("Warm up.")
    return nlp


def test_the_fast_weights_ship_with_the_package():
    assert "coref-en-fast" in packaged_names()


def test_one_line_loads_four_layers_and_gives_the_readme_example(fast_nlp):
    tok2vec = fast_nlp.get_pipe("coref").model.get_ref("tok2vec")
    assert (tok2vec.layers[0].attrs["depth"], tok2vec.attrs["tuned_layers"]) == (4, 4)
    assert len(transformer_layers(encoder_of(fast_nlp))) == 4
    default = spacy.blank("en")
    default.add_pipe("coref")
    default("Warm up.")
    assert len(transformer_layers(encoder_of(default))) == 6
    doc = fast_nlp("Alice gave Bob her book because he had lost his.")
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [["Alice", "her"], ["Bob", "he", "his"]]
    assert doc._.coref_resolved == "Alice gave Bob Alice's book because Bob had lost Bob's."


def test_a_pipeline_with_the_fast_tier_saves_and_loads_back(fast_nlp, tmp_path):
    text = "My sister has a dog. She loves him so much, and her neighbours adore him too."
    expected = clusters_of(fast_nlp(text))
    assert expected
    fast_nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert len(transformer_layers(encoder_of(loaded))) == 4
    assert clusters_of(loaded(text)) == expected
