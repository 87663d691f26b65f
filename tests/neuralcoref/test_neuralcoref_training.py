"""Training: losses, initialize from original weights or scratch, overfitting a tiny set."""

import pytest
import spacy
import torch
from spacy.tokens import SpanGroup
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from spacy_transfer.neuralcoref.loss import mention_ranking_loss

# clusters as lists of (mention text, character offset)
TRAIN_DATA = [
    ("Anna bought a bike. She rides it every day.", [[("Anna", 0), ("She", 20)], [("a bike", 12), ("it", 30)]]),
    (
        "The farmer sold his cow. He missed it.",
        [[("The farmer", 0), ("his", 16), ("He", 25)], [("his cow", 16), ("it", 35)]],
    ),
]
SMALL_MODEL = {
    "@architectures": "spacy_transfer.CorefScorer.v1",
    "hidden1": 32,
    "hidden2": 16,
    "hidden3": 16,
    "dropout": 0.0,
}


def _examples(nlp):
    examples = []
    for text, clusters in TRAIN_DATA:
        with nlp.select_pipes(disable=["neuralcoref"]):
            predicted = nlp(text)
            reference = nlp(text)
        for n, cluster in enumerate(clusters, start=1):
            assert all(text[s : s + len(m)] == m for m, s in cluster)
            spans = [reference.char_span(s, s + len(m)) for m, s in cluster]
            reference.spans[f"coref_clusters_{n}"] = SpanGroup(reference, name=f"coref_clusters_{n}", spans=spans)
        examples.append(Example(predicted, reference))
    return examples


def _gold(example):
    return sorted(sorted((s.start, s.end) for s in g) for k, g in example.reference.spans.items())


def test_neuralcoref_losses_prefer_correct_scores():
    ant = torch.tensor([0, 0, 1])
    men = torch.tensor([1, 2, 2])
    gold = torch.tensor([0, 1, 0])  # mention 2 links to 0; mention 1 is new
    good_single, good_pair = torch.tensor([5.0, 5.0, -5.0]), torch.tensor([-5.0, 5.0, -5.0])
    bad_single, bad_pair = torch.tensor([-5.0, -5.0, 5.0]), torch.tensor([5.0, -5.0, 5.0])
    for kind in ("all_pairs", "top_pairs", "ranking"):
        good = mention_ranking_loss(good_single, good_pair, ant, men, gold, kind)
        bad = mention_ranking_loss(bad_single, bad_pair, ant, men, gold, kind)
        assert good < bad, kind
    assert mention_ranking_loss(good_single, good_pair, ant, men, gold, "ranking") == 0
    # slack rescaling: a false new on an anaphoric mention costs 0.8 per unit of margin
    single, pair = torch.tensor([0.0, 0.0, 1.0]), torch.tensor([-9.0, 0.0, -9.0])
    # mention 2 says "new" (score 1) instead of its true antecedent (score 0): 0.8 * (1 + 1 - 0)
    assert mention_ranking_loss(single, pair, ant, men, gold, "ranking").item() == pytest.approx(1.6, abs=1e-5)
    single[2] = -2.0  # now the wrong antecedent 1 (score 0.5) beats the true one (0): 1.0 * (1 + 0.5)
    pair[2] = 0.5
    assert mention_ranking_loss(single, pair, ant, men, gold, "ranking").item() == pytest.approx(1.5, abs=1e-5)


def test_neuralcoref_initialize_needs_gold(en_nlp_base, coref_weights):
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    coref = nlp.add_pipe("neuralcoref")
    examples = _examples(nlp)
    no_gold = [Example(eg.predicted, eg.predicted.copy()) for eg in examples]
    with pytest.warns(UserWarning, match="W001"):
        coref.initialize(lambda: no_gold, nlp=nlp)
    with pytest.raises(TypeError):
        coref.initialize(examples, nlp=nlp)


def test_neuralcoref_initialize_from_original_weights(en_nlp_base, coref_weights, coref_nlp):
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    coref = nlp.add_pipe("neuralcoref")
    examples = _examples(nlp)
    coref.initialize(lambda: examples, nlp=nlp, init_weights="original")
    text = "My sister has a dog. She loves him."
    assert repr(nlp(text)._.coref_clusters) == repr(coref_nlp(text)._.coref_clusters)
    recall = coref.candidate_recall(examples)
    assert recall["gold_mentions"] == 9 and recall["recall"] > 0.8


@pytest.mark.parametrize("loss", ["all_pairs", "top_pairs", "ranking"])
def test_neuralcoref_overfitting_from_scratch(en_nlp_base, coref_weights, loss, tmp_path):
    fix_random_seed(0)
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    coref = nlp.add_pipe("neuralcoref", config={"model": SMALL_MODEL, "loss": loss})
    examples = _examples(nlp)
    coref.initialize(lambda: examples, nlp=nlp, init_weights="scratch")
    optimizer = Adam(0.005)
    first = None
    for i in range(60):
        losses = coref.update(examples, sgd=optimizer, losses={})
        first = losses["neuralcoref"] if first is None else first
    assert losses["neuralcoref"] < first * 0.2
    for eg in examples:
        doc = coref(eg.predicted.copy())
        assert sorted(sorted((m.start, m.end) for m in c) for c in doc._.coref_clusters) == _gold(eg)
    # the trained pipeline reloads with the same predictions and scores
    nlp.to_disk(tmp_path / "trained")
    reloaded = spacy.load(tmp_path / "trained")
    for (text, _), eg in zip(TRAIN_DATA, examples):
        assert repr(reloaded(text)._.coref_clusters) == repr(nlp(text)._.coref_clusters)
    scores = nlp.evaluate(examples)
    assert scores["coref_conll_f"] > 0.99
    assert "coref_lea_f_nosingletons" in scores


def test_neuralcoref_update_on_empty_example(coref_nlp):
    coref = coref_nlp.get_pipe("neuralcoref")
    empty = coref_nlp.make_doc("")
    losses = coref.update([Example(empty, empty.copy())], losses={})
    assert losses["neuralcoref"] == 0.0


def test_neuralcoref_original_weights_need_original_sizes(coref_weights):
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("neuralcoref", config={"model": SMALL_MODEL})
    with pytest.raises(ValueError, match="E011.*1000/500/500"):
        coref.load_weights("neuralcoref-en")


def test_neuralcoref_failed_load_is_not_half_loaded(coref_weights):
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("neuralcoref", config={"model": SMALL_MODEL})
    with pytest.raises(ValueError, match="E011"):
        coref.load_weights("neuralcoref-en")
    assert coref.vectors is None
    with pytest.raises(ValueError, match="E011"):  # and it fails again instead of running
        coref._ensure_weights()


def test_neuralcoref_initialize_without_data_loads_weights(coref_weights):
    """nlp.initialize() for inference only (no examples) loads the original weights."""
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("neuralcoref")
    nlp.initialize()
    assert coref.vectors is not None


def test_neuralcoref_initialize_from_a_saved_pipeline(en_nlp_base, coref_weights, tmp_path):
    """init_weights = a saved pipeline: its weights, vectors and conv_dict; this component's other settings."""
    fix_random_seed(0)
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    saved = nlp.add_pipe("neuralcoref", config={"model": SMALL_MODEL, "conv_dict": {"Anna": ["woman"]}})
    examples = _examples(nlp)
    saved.initialize(lambda: examples, nlp=nlp, init_weights="scratch")
    saved.update(examples, sgd=Adam(0.01), losses={})
    nlp.to_disk(tmp_path / "saved")
    other = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    coref = other.add_pipe("neuralcoref", config={"model": SMALL_MODEL, "greedyness": 0.6, "loss": "top_pairs"})
    coref.initialize(lambda: examples, nlp=other, init_weights=str(tmp_path / "saved"))
    assert coref.cfg["greedyness"] == 0.6 and coref.cfg["loss"] == "top_pairs"
    assert coref.cfg["conv_dict"] == {"Anna": ["woman"]}
    assert coref.model.to_bytes() == saved.model.to_bytes()
    assert coref.to_bytes(exclude=["vocab", "cfg"]) == saved.to_bytes(exclude=["vocab", "cfg"])
    with pytest.raises(ValueError, match="E004.*init_weights"):
        coref.initialize(lambda: examples, nlp=other, init_weights=str(tmp_path))
