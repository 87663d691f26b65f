"""Tests of the zero_shot_classifier component (NLI and embedding backends)."""

import pickle

import numpy
import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from spacy_transfer.zero_shot_classifier.util import find_nli_label_ids, nli_scores, similarity_scores
from tests.helpers import dataset, run_in_fresh_interpreter

TEXTS = [
    "I want to book a flight to Paris",
    "my card was declined",
    "how long to boil pasta?",
    "the team won the game",
]
LABELS = ["travel", "cooking", "banking", "sports"]
# Longer than the tiny model's 64-token limit, so "only_first" truncation kicks in.
LONG_TEXT = " ".join(["the team won the game and it will be sunny tomorrow ."] * 8)


def make_nlp(**config):
    nlp = spacy.blank("en")
    nlp.add_pipe("zero_shot_classifier", config=config)
    return nlp


def pipeline_scores(path, text, labels, multi_label, template="This example is {}."):
    """Scores from transformers' ZeroShotClassificationPipeline, as {label: score}."""
    from transformers import pipeline

    pipe = pipeline("zero-shot-classification", model=str(path), tokenizer=str(path), device=-1)
    out = pipe(text, candidate_labels=labels, multi_label=multi_label, hypothesis_template=template)
    return dict(zip(out["labels"], out["scores"]))


@pytest.fixture(scope="module")
def hf_pipeline(tiny_nli_path):
    from transformers import pipeline

    return pipeline("zero-shot-classification", model=str(tiny_nli_path), tokenizer=str(tiny_nli_path), device=-1)


@pytest.fixture(scope="module")
def nlp_embed(minilm_path):
    return make_nlp(labels=LABELS)


# --- creation ----------------------------------------------------------------


def test_zero_shot_classifier_add_pipe_without_import():
    """The entry point registers the factory; creating it imports no transformers."""
    code = (
        "import sys, spacy\n"
        "nlp = spacy.blank('en')\n"
        "nlp.add_pipe('zero_shot_classifier', config={'labels': ['a', 'b']})\n"
        "assert nlp.pipe_names == ['zero_shot_classifier'], nlp.pipe_names\n"
        "assert 'transformers' not in sys.modules\n"
        "assert 'spacy_transfer.zero_shot_classifier.torch_model' not in sys.modules\n"
    )
    run_in_fresh_interpreter(code)


def test_zero_shot_classifier_default_config_survives_fill():
    nlp = make_nlp(labels=["a"])
    filled = nlp.config.interpolate()
    cfg = filled["components"]["zero_shot_classifier"]
    assert cfg["hypothesis_template"] is None
    assert nlp.get_pipe("zero_shot_classifier").hypothesis_template == "{}"
    assert cfg["backend"] == "embedding" and cfg["model"] is None
    nlp2 = spacy.blank("en").from_config(nlp.config)
    assert nlp2.pipe_names == ["zero_shot_classifier"]


# --- settings and bad input ----------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {"backend": "zero"},
        {"labels": ["a", "a"]},
        {"labels": ["a", ""]},
        {"hypothesis_template": "no slot"},
        {"hypothesis_template": "{} and {}"},
        {"hypothesis_template": "{x} is {}"},
        {"batch_size": 0},
        {"max_length": 2},
        {"temperature": 0.0},
        {"label_descriptions": {"a": ""}},
        {"backend": "nli"},
        {"model": "/does/not/exist"},
    ],
)
def test_zero_shot_classifier_bad_settings(config):
    with pytest.raises(ValueError, match=r"E250"):
        make_nlp(**config)


def test_zero_shot_classifier_empty_label_set(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path))
    with pytest.raises(ValueError, match=r"E251"):
        nlp("my card was declined")
    doc = nlp.make_doc("my card was declined")
    doc._.candidate_labels = []
    with pytest.raises(ValueError, match=r"E251"):
        nlp(doc)
    # An empty document needs no labels.
    assert nlp("").cats == {}


@pytest.mark.parametrize("value", ["banking", ["a", "a"], ["a", 3]])
def test_zero_shot_classifier_bad_candidate_labels(tiny_nli_path, value):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    doc = nlp.make_doc("my card was declined")
    doc._.candidate_labels = value
    with pytest.raises(ValueError, match=r"E252"):
        nlp(doc)


def test_zero_shot_classifier_non_nli_model(tiny_non_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_non_nli_path), labels=LABELS)
    with pytest.raises(ValueError, match=r"E253") as err:
        nlp("my card was declined")
    assert "positive" in str(err.value)


def test_zero_shot_classifier_not_a_model_dir(tmp_path):
    nlp = make_nlp(backend="nli", model=str(tmp_path), labels=LABELS)
    with pytest.raises(ValueError, match=r"E254"):
        nlp("my card was declined")


def test_zero_shot_classifier_no_silent_overwrite(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    doc = nlp("my card was declined")
    with pytest.raises(ValueError, match=r"E257"):
        nlp(doc)
    nlp.get_pipe("zero_shot_classifier").cfg["overwrite"] = True
    assert set(nlp(doc).cats) == set(LABELS)


def test_zero_shot_classifier_set_annotations_length(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    pipe = nlp.get_pipe("zero_shot_classifier")
    docs = [nlp.make_doc(t) for t in TEXTS[:2]]
    with pytest.raises(ValueError, match=r"E258"):
        pipe.set_annotations(docs, pipe.predict(docs[:1]))


def test_zero_shot_classifier_initialize(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path))
    with pytest.raises(TypeError):
        nlp.get_pipe("zero_shot_classifier").initialize(get_examples=[])
    nlp.get_pipe("zero_shot_classifier").initialize(labels=["sports", "politics"])
    assert nlp.get_pipe("zero_shot_classifier").labels == ("sports", "politics")
    assert set(nlp("the team won").cats) == {"sports", "politics"}


# --- NLI backend: equal to transformers' pipeline -----------------------------


@pytest.mark.parametrize("multi_label", [False, True])
def test_zero_shot_classifier_nli_equals_transformers_pipeline(tiny_nli_path, hf_pipeline, multi_label):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS, multi_label=multi_label, batch_size=3)
    texts = TEXTS + [LONG_TEXT]
    docs = list(nlp.pipe(texts))
    spread = 0.0
    for text, doc in zip(texts, docs):
        out = hf_pipeline(text, candidate_labels=LABELS, multi_label=multi_label)
        expected = dict(zip(out["labels"], out["scores"]))
        assert list(doc.cats) == LABELS
        for label in LABELS:
            assert doc.cats[label] == pytest.approx(expected[label], abs=1e-5)
        spread = max(spread, max(expected.values()) - min(expected.values()))
        if not multi_label:
            assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    # The random model must tell labels apart, or the comparison proves little.
    assert spread > 0.1


def test_zero_shot_classifier_nli_per_doc_labels_and_template(tiny_nli_path, hf_pipeline):
    template = "It is about {}."
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS, hypothesis_template=template)
    label_sets = [["travel", "banking"], None, ["sports"], ["weather", "politics", "sports"]]
    docs = []
    for text, labels in zip(TEXTS, label_sets):
        doc = nlp.make_doc(text)
        doc._.candidate_labels = labels
        docs.append(doc)
    for doc, labels in zip(nlp.pipe(docs, batch_size=4), label_sets):
        labels = labels or LABELS
        assert list(doc.cats) == labels
        out = hf_pipeline(doc.text, candidate_labels=labels, hypothesis_template=template)
        for label, score in zip(out["labels"], out["scores"]):
            assert doc.cats[label] == pytest.approx(score, abs=1e-5)


def test_zero_shot_classifier_nli_label_descriptions(tiny_nli_path, hf_pipeline):
    descriptions = {"banking": "money and bank account"}
    nlp = make_nlp(
        backend="nli", model=str(tiny_nli_path), labels=["banking", "sports"], label_descriptions=descriptions
    )
    doc = nlp("my card was declined")
    out = hf_pipeline(doc.text, candidate_labels=["money and bank account", "sports"])
    expected = dict(zip(out["labels"], out["scores"]))
    assert doc.cats["banking"] == pytest.approx(expected["money and bank account"], abs=1e-5)


def test_zero_shot_classifier_nli_hypotheses_tokenized_once(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    pipe = nlp.get_pipe("zero_shot_classifier")
    list(nlp.pipe(TEXTS))
    backend = pipe._get_backend()
    assert set(backend._hypotheses) == {f"This example is {label}." for label in LABELS}


# --- helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "id2label,expected",
    [
        ({0: "contradiction", 1: "neutral", 2: "entailment"}, (2, 0)),
        ({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, (0, 2)),
        ({0: "entailment", 1: "not_entailment"}, (0, 1)),
        ({0: "neutral", 1: "entails"}, (1, 0)),
    ],
)
def test_zero_shot_classifier_find_nli_label_ids(id2label, expected):
    assert find_nli_label_ids(id2label) == expected


@pytest.mark.parametrize("id2label", [{0: "LABEL_0", 1: "LABEL_1"}, {0: "entailment", 1: "neutral", 2: "other"}])
def test_zero_shot_classifier_find_nli_label_ids_error(id2label):
    with pytest.raises(ValueError, match=r"E253"):
        find_nli_label_ids(id2label, "some/dir")


def test_zero_shot_classifier_score_maths():
    logits = numpy.asarray([[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]], dtype="float32")
    single = nli_scores(logits, entail_id=2, contra_id=0, multi_label=False)
    assert single.sum() == pytest.approx(1.0) and single[0] > single[1]
    multi = nli_scores(logits, entail_id=2, contra_id=0, multi_label=True)
    assert multi[0] == pytest.approx(1 / (1 + numpy.exp(-2.0))) and multi[1] == pytest.approx(1 / (1 + numpy.e))
    sims = numpy.asarray([0.5, 0.2, -0.1], dtype="float32")
    probs = similarity_scores(sims, temperature=0.1, multi_label=False, threshold=0.3)
    assert probs.sum() == pytest.approx(1.0) and probs.argmax() == 0
    independent = similarity_scores(sims, temperature=0.1, multi_label=True, threshold=0.3)
    assert independent[0] > 0.5 > independent[1] > independent[2]


# --- embedding backend (the packaged MiniLM) -------------------------------------


def test_zero_shot_classifier_embedding_matches_sentence_transformers(minilm_path):
    st = pytest.importorskip("sentence_transformers")
    from spacy_transfer.zero_shot_classifier.torch_model import EmbeddingBackend

    texts = ["hello world", TEXTS[0], LONG_TEXT * 3]
    expected = st.SentenceTransformer(str(minilm_path), device="cpu").encode(texts, normalize_embeddings=True)
    ours = EmbeddingBackend(minilm_path, batch_size=2).embed(texts)
    numpy.testing.assert_allclose(ours, expected, atol=1e-5)


def test_zero_shot_classifier_embedding_classifies(nlp_embed):
    docs = list(nlp_embed.pipe(TEXTS))
    assert [max(d.cats, key=d.cats.get) for d in docs] == ["travel", "banking", "cooking", "sports"]
    for doc in docs:
        assert list(doc.cats) == LABELS
        assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    backend = nlp_embed.get_pipe("zero_shot_classifier")._get_backend()
    assert set(backend._labels) == set(LABELS)  # the embedding default template is "{}"


def test_zero_shot_classifier_embedding_multi_label_and_per_doc(minilm_path):
    nlp = make_nlp(labels=LABELS, multi_label=True)
    doc = nlp.make_doc("I booked a flight and paid with my bank card")
    doc._.candidate_labels = ["travel", "banking", "cooking"]
    doc = nlp(doc)
    assert list(doc.cats) == ["travel", "banking", "cooking"]
    assert all(0.0 < v < 1.0 for v in doc.cats.values())
    assert doc.cats["travel"] > doc.cats["cooking"] and doc.cats["banking"] > doc.cats["cooking"]


# --- empty and tiny input ----------------------------------------------------------


def test_zero_shot_classifier_empty_and_short_docs(nlp_embed):
    assert nlp_embed("").cats == {label: 0.0 for label in LABELS}
    docs = list(nlp_embed.pipe(["", "flight", " "]))
    assert docs[0].cats == {label: 0.0 for label in LABELS}
    assert max(docs[1].cats, key=docs[1].cats.get) == "travel"
    assert set(docs[2].cats) == set(LABELS)
    pipe = nlp_embed.get_pipe("zero_shot_classifier")
    empty = [Doc(nlp_embed.vocab, words=[])]
    assert pipe.predict(empty)[0][1].tolist() == [0.0] * len(LABELS)


# --- serialization and evaluation ---------------------------------------------------


def test_zero_shot_classifier_serialization(tiny_nli_path, tmp_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS, multi_label=True)
    pipe = nlp.get_pipe("zero_shot_classifier")
    data = pipe.to_bytes()
    nlp2 = make_nlp(backend="nli", model=str(tiny_nli_path), labels=["other"])
    nlp2.get_pipe("zero_shot_classifier").from_bytes(data)
    assert nlp2.get_pipe("zero_shot_classifier").to_bytes() == data
    expected = [d.cats for d in nlp.pipe(TEXTS)]
    assert [d.cats for d in nlp2.pipe(TEXTS)] == expected
    nlp.to_disk(tmp_path / "pipeline")
    nlp3 = spacy.load(tmp_path / "pipeline")
    assert nlp3.get_pipe("zero_shot_classifier").cfg == pipe.cfg
    assert [d.cats for d in nlp3.pipe(TEXTS)] == expected
    # One doc at a time pads differently: equal up to float noise.
    for text, cats in zip(TEXTS, expected):
        assert nlp3(text).cats == pytest.approx(cats, abs=1e-5)


def test_zero_shot_classifier_docbin_and_pickle(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    doc = nlp.make_doc("the team won the game")
    doc._.candidate_labels = ["sports", "politics"]
    doc = nlp(doc)
    doc_bin = DocBin(store_user_data=True, docs=[doc])
    restored = list(DocBin().from_bytes(doc_bin.to_bytes()).get_docs(nlp.vocab))[0]
    assert restored.cats == doc.cats
    # msgpack gives the list back as a tuple; both are accepted as candidate labels.
    assert list(restored._.candidate_labels) == ["sports", "politics"]
    unpickled = pickle.loads(pickle.dumps(doc))
    assert unpickled.cats == doc.cats


def test_zero_shot_classifier_pickle_nlp(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    expected = nlp(TEXTS[0]).cats
    data = pickle.dumps(nlp)
    assert len(data) < 1_000_000  # the loaded model is not pickled; it reloads from its path
    assert pickle.loads(data)(TEXTS[0]).cats == pytest.approx(expected, abs=1e-6)


@pytest.mark.slow
def test_zero_shot_classifier_n_process(tiny_nli_path):
    nlp = make_nlp(backend="nli", model=str(tiny_nli_path), labels=LABELS)
    expected = [d.cats for d in nlp.pipe(TEXTS)]
    got = [d.cats for d in nlp.pipe(TEXTS, n_process=2, batch_size=2)]
    for cats, exp in zip(got, expected):
        assert cats == pytest.approx(exp, abs=1e-5)


def test_zero_shot_classifier_evaluate(nlp_embed):
    examples = []
    for text, gold in zip(TEXTS, ["travel", "banking", "cooking", "sports"]):
        cats = {label: float(label == gold) for label in LABELS}
        examples.append(Example.from_dict(nlp_embed.make_doc(text), {"cats": cats}))
    scores = nlp_embed.evaluate(examples)
    assert scores["cats_acc"] == 1.0
    assert scores["cats_score"] == pytest.approx(1.0)


def test_zero_shot_classifier_clinc150_dev_accuracy(nlp_embed):
    """On 150 CLINC150 *validation* utterances (never test), MiniLM is far above chance."""
    import srsly

    val = srsly.read_json(dataset("clinc150", "data_full.json"))["val"]
    intents = sorted({intent for _, intent in val})
    sample = val[::20]
    nlp = make_nlp(labels=[i.replace("_", " ") for i in intents])
    docs = list(nlp.pipe([text for text, _ in sample]))
    accuracy = numpy.mean([max(d.cats, key=d.cats.get) == gold.replace("_", " ") for d, (_, gold) in zip(docs, sample)])
    # Chance is 1/150; the full-val figure is in docs/zero_shot_classifier.md.
    assert accuracy > 0.5


# --- demo and command line -------------------------------------------------------


def test_zero_shot_classifier_demo(minilm_path, capsys):
    from spacy_transfer.zero_shot_classifier.demo import run_demo

    nlp_base = spacy.blank("en")
    run_demo(nlp_base)
    out = capsys.readouterr().out
    assert "travel" in out and "banking" in out and "hardware problem" in out
    assert nlp_base.pipe_names == []  # the caller's pipeline is left alone


def test_zero_shot_classifier_cli(tiny_nli_path):
    from typer.testing import CliRunner

    from spacy_transfer.cli import app

    args = [
        "zero-shot",
        "the team won",
        "-l",
        "sports",
        "-l",
        "weather",
        "--backend",
        "nli",
        "--model",
        str(tiny_nli_path),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "sports" in result.output and "weather" in result.output
