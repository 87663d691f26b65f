"""The torchmoji component: creation, training, serialization, annotations."""

import json
import pickle

import numpy
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import fix_random_seed, load_model_from_path

from spacy_transfer.layers.torch import get_torch_module
from spacy_transfer.torchmoji.component import TRAINABLE_TORCHMOJI_MODEL_STR
from spacy_transfer.torchmoji.extensions import USER_DATA_KEY
from spacy_transfer.torchmoji.model import chain_thaw_schedule
from spacy_transfer.torchmoji.training import balanced_batches

# fmt: off
WORDS = ["CUSTOM_MASK", "CUSTOM_UNKNOWN", "CUSTOM_AT", "CUSTOM_URL", "CUSTOM_NUMBER",
         "CUSTOM_BREAK", "CUSTOM_BLANK_6", "CUSTOM_BLANK_7", "CUSTOM_BLANK_8", "CUSTOM_BLANK_9",
         "i", "love", "this", "hate", "so", "much", "!", ".", "sad", "today", "it", "great", "awful"]
TRAIN_DATA = [
    ("I love this so much!", {"joy": 1.0, "anger": 0.0, "sadness": 0.0}),
    ("I hate this.", {"joy": 0.0, "anger": 1.0, "sadness": 0.0}),
    ("so sad today", {"joy": 0.0, "anger": 0.0, "sadness": 1.0}),
]
TINY_MODEL = {"@architectures": "spacy_transfer.TorchMoji.v2", "n_tokens": None, "embed_width": 8,
              "hidden_width": 8, "max_length": 20, "embed_dropout": 0.0, "final_dropout": 0.0,
              "multi_label": True}
# fmt: on


@pytest.fixture(scope="module")
def vocab_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("torchmoji") / "vocabulary.json"
    path.write_text(json.dumps({w: i for i, w in enumerate(WORDS)}), encoding="utf8")
    return str(path)


def make_nlp(vocab_path, **settings) -> Language:
    nlp = spacy.blank("en")
    config = {"model": dict(TINY_MODEL), **settings}
    nlp.add_pipe("torchmoji", config=config)
    nlp.config["initialize"]["components"]["torchmoji"] = {"vocab_path": vocab_path}
    return nlp


def examples(nlp):
    return [Example.from_dict(nlp.make_doc(text), {"cats": cats}) for text, cats in TRAIN_DATA]


@pytest.fixture(scope="module")
def trained(vocab_path):
    fix_random_seed(0)
    nlp = make_nlp(vocab_path)
    nlp.add_pipe("sentencizer", first=True)
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    optimizer.learn_rate = 0.01
    for _ in range(40):
        losses = {}
        nlp.update(train, sgd=optimizer, losses=losses)
    return nlp, losses


def test_torchmoji_add_pipe_from_blank():
    nlp = spacy.blank("en")
    nlp.add_pipe("torchmoji", config={"model": dict(TINY_MODEL)})
    assert nlp.pipe_names == ["torchmoji"]


def test_torchmoji_not_initialized(vocab_path):
    nlp = make_nlp(vocab_path)
    with pytest.raises(ValueError, match="E109"):
        nlp("I love this")


def test_torchmoji_no_label(vocab_path):
    nlp = make_nlp(vocab_path)
    no_cats = [Example.from_dict(nlp.make_doc("I love this"), {})]
    with pytest.raises(ValueError, match="E143"):
        nlp.initialize(lambda: no_cats)


def test_torchmoji_initialize_examples(vocab_path):
    nlp = make_nlp(vocab_path)
    # spaCy's validate_get_examples rejects an empty sample (E930) before our E923.
    with pytest.raises(TypeError, match="E930"):
        nlp.get_pipe("torchmoji").initialize(lambda: [], labels=["joy"])
    with pytest.raises(TypeError):
        nlp.get_pipe("torchmoji").initialize(examples(nlp))


def test_torchmoji_initialize_needs_vocabulary():
    nlp = spacy.blank("en")
    nlp.add_pipe("torchmoji", config={"model": dict(TINY_MODEL)})
    train = examples(nlp)
    with pytest.raises(ValueError, match="E151"):
        nlp.initialize(lambda: train)


def test_torchmoji_vocabulary_size_mismatch(vocab_path):
    nlp = make_nlp(vocab_path)
    nlp.get_pipe("torchmoji").model.attrs["n_tokens"] = 99
    train = examples(nlp)
    with pytest.raises(ValueError, match="E157"):
        nlp.initialize(lambda: train)


def test_torchmoji_overfitting_IO(trained, tmp_path):
    nlp, losses = trained
    assert losses["torchmoji"] < 0.2
    doc = nlp("I love this so much! I hate this.")
    assert set(doc.cats) == {"joy", "anger", "sadness"}
    sents = list(doc.sents)
    assert sents[0]._.emotions[0][0] == "joy"
    assert sents[1]._.emotions[0][0] == "anger"
    assert nlp("so sad today")._.emotions[0][0] == "sadness"
    assert doc._.torchmoji_vector.shape == (4 * 8 + 8,)
    nlp.to_disk(tmp_path / "nlp")
    nlp2 = load_model_from_path(tmp_path / "nlp")
    doc2 = nlp2("I love this so much! I hate this.")
    assert doc2.cats == pytest.approx(doc.cats, abs=1e-6)
    assert numpy.allclose(doc2._.torchmoji_vector, doc._.torchmoji_vector, atol=1e-6)
    scores = nlp.evaluate(examples(nlp))
    assert scores["cats_macro_f"] == 1.0 and "cats_macro_auc" in scores
    texts = ["I love this", "so sad today", "I hate this."]
    batch = [d.cats for d in nlp.pipe(texts)]
    # Batched and single GEMMs round differently in the last bits.
    assert all(b == pytest.approx(nlp(t).cats, abs=1e-6) for b, t in zip(batch, texts))
    assert batch == [d.cats for d in nlp.pipe(texts)]


def test_torchmoji_serialize_bytes(vocab_path, trained):
    nlp = make_nlp(vocab_path)
    pipe = nlp.get_pipe("torchmoji")
    assert pipe.to_bytes(exclude=["vocab"]) == pipe.from_bytes(pipe.to_bytes()).to_bytes(exclude=["vocab"])
    trained_nlp, _ = trained
    pipe = trained_nlp.get_pipe("torchmoji")
    nlp2 = make_nlp(vocab_path)
    pipe2 = nlp2.get_pipe("torchmoji").from_bytes(pipe.to_bytes())
    assert pipe2.labels == pipe.labels
    assert pipe2.to_bytes(exclude=["vocab"]) == pipe.to_bytes(exclude=["vocab"])
    doc = nlp2.make_doc("I hate this.")
    assert pipe2(doc).cats == pytest.approx(pipe(trained_nlp.make_doc("I hate this.")).cats)


def test_torchmoji_annotations_survive_docbin_and_pickle(trained):
    nlp, _ = trained
    doc = nlp("I love this so much! I hate this.")
    db = DocBin(store_user_data=True)
    db.add(doc)
    doc2 = list(DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]
    doc3 = pickle.loads(pickle.dumps(doc))
    for other in (doc2, doc3):
        assert other.cats == doc.cats
        assert other._.emotions == doc._.emotions
        assert [s._.emotions for s in other.sents] == [s._.emotions for s in doc.sents]
        assert numpy.array_equal(other._.torchmoji_vector, doc._.torchmoji_vector)
    nlp2 = pickle.loads(pickle.dumps(nlp))
    assert nlp2("I hate this.").cats == pytest.approx(nlp("I hate this.").cats)


@pytest.mark.slow
def test_torchmoji_n_process(trained):
    nlp, _ = trained
    texts = ["I love this so much! I hate this.", "so sad today", "", "😂"]
    single = list(nlp.pipe(texts))
    multi = list(nlp.pipe(texts, n_process=2, batch_size=2))
    for a, b in zip(single, multi):
        assert a.cats == pytest.approx(b.cats, abs=1e-6)
        assert [label for label, _ in a._.emotions] == [label for label, _ in b._.emotions]
        assert numpy.allclose(a._.torchmoji_vector, b._.torchmoji_vector, atol=1e-6)
        for sa, sb in zip(a.sents, b.sents):
            assert [label for label, _ in sa._.emotions] == [label for label, _ in sb._.emotions]


def test_torchmoji_empty_and_tiny_inputs(trained):
    nlp, _ = trained
    assert nlp("").cats == {"joy": 0.0, "anger": 0.0, "sadness": 0.0}
    assert nlp("")._.emotions == []
    docs = list(nlp.pipe(["", "I love this", ""]))
    assert len(docs) == 3 and docs[1]._.emotions and docs[0]._.emotions == docs[2]._.emotions == []
    assert docs[1].cats == pytest.approx(nlp("I love this").cats, abs=1e-6)
    for text in ["love", "!", "😂😂😂", "🙂 🙃"]:
        doc = nlp(text)
        assert set(doc.cats) == {"joy", "anger", "sadness"}
        assert len(doc._.emotions) >= 1
    # DeepMoji keeps emojis as words; none is in the vocabulary, so one emoji is one
    # unknown word, like a text with no words at all.
    assert nlp("😂").cats == pytest.approx(nlp("🙃").cats)
    assert nlp("😂").cats == pytest.approx(nlp(" ").cats)
    losses = {}
    nlp.update(
        [Example.from_dict(nlp.make_doc(""), {"cats": {"joy": 1.0}})],
        sgd=None,
        losses=losses,
    )
    assert losses["torchmoji"] == 0.0


def test_torchmoji_emotions_thresholds(vocab_path, trained):
    nlp = pickle.loads(pickle.dumps(trained[0]))  # this test changes settings
    pipe = nlp.get_pipe("torchmoji")
    doc = nlp("I love this")
    ranked = sorted(doc.cats.items(), key=lambda kv: -kv[1])
    # Every label above its threshold, sorted by score, at least the top one.
    pipe.cfg["threshold"] = 0.0
    assert [label for label, _ in nlp("I love this")._.emotions] == [l for l, _ in ranked]
    pipe.cfg["threshold"] = 1.0
    assert nlp("I love this")._.emotions == [(ranked[0][0], pytest.approx(ranked[0][1]))]
    pipe.cfg["thresholds"] = {ranked[1][0]: 0.0}
    assert [l for l, _ in nlp("I love this")._.emotions] == [ranked[1][0]]
    with pytest.raises(ValueError, match="E161"):
        make_nlp(vocab_path, thresholds={"joy": 1.5})


def test_torchmoji_overwrite(trained):
    nlp = pickle.loads(pickle.dumps(trained[0]))  # this test changes settings
    doc = nlp("I love this")
    with pytest.raises(ValueError, match="E158"):
        nlp.get_pipe("torchmoji")(doc)
    nlp.get_pipe("torchmoji").cfg["overwrite"] = True
    assert nlp.get_pipe("torchmoji")(doc).cats == pytest.approx(nlp("I love this").cats)


def test_torchmoji_set_annotations_length_mismatch(trained):
    nlp, _ = trained
    pipe = nlp.get_pipe("torchmoji")
    docs = [nlp.make_doc("I love this"), nlp.make_doc("so sad")]
    preds = pipe.predict(docs[:1])
    with pytest.raises(ValueError, match="E159"):
        pipe.set_annotations(docs, preds)


def test_torchmoji_predict_does_not_touch_docs(trained):
    nlp, _ = trained
    doc = nlp.make_doc("I love this")
    nlp.get_pipe("torchmoji").predict([doc])
    assert doc.cats == {} and USER_DATA_KEY not in doc.user_data


@pytest.mark.parametrize(
    "method,trainable",
    [("full", {"embed", "lstm_0", "lstm_1", "attention_layer", "output_layer"}),
     ("new", {"embed", "lstm_0", "lstm_1", "attention_layer", "output_layer"}),
     ("last", {"output_layer"})],
)  # fmt: skip
def test_torchmoji_finetune_methods(vocab_path, method, trainable):
    nlp = make_nlp(vocab_path, finetune_method=method)
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    pipe = nlp.get_pipe("torchmoji")
    module = get_torch_module(pipe.model)
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    nlp.update(train, sgd=optimizer)
    counts = pipe.trainable_parameters()
    assert {name for name, n in counts.items() if n} == trainable
    for name, param in module.named_parameters():
        changed = not bool((param.detach() == before[name]).all())
        assert changed == (name.split(".")[0] in trainable), name


def test_torchmoji_chain_thaw(vocab_path):
    nlp = make_nlp(vocab_path, finetune_method="chain-thaw", chain_thaw_steps=1)
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    pipe = nlp.get_pipe("torchmoji")
    seen = []
    for _ in range(6):
        nlp.update(train, sgd=optimizer)
        seen.append({name for name, n in pipe.trainable_parameters().items() if n})
    order = ["output_layer", "embed", "lstm_0", "lstm_1", "attention_layer"]
    assert seen[:5] == [{name} for name in order]
    assert seen[5] == set(order)
    assert [chain_thaw_schedule(2)(step) for step in (0, 1, 2, 9, 10)] == [
        "output_layer",
        "output_layer",
        "embed",
        "attention_layer",
        "all",
    ]


def test_torchmoji_bad_settings(vocab_path):
    with pytest.raises(ValueError, match="E160"):
        make_nlp(vocab_path, finetune_method="unfreeze")
    with pytest.raises(ValueError, match="E155"):
        make_nlp(vocab_path, chain_thaw_steps=0)
    nlp = spacy.blank("en")
    with pytest.raises(Exception, match="E155"):
        nlp.add_pipe("torchmoji", config={"model": {**TINY_MODEL, "embed_dropout": 1.5}})
    nlp = make_nlp(vocab_path, finetune_method="new")
    nlp.config["initialize"]["components"]["torchmoji"]["weights_path"] = "x.bin"
    train = examples(nlp)
    with pytest.raises(ValueError, match="E155"):
        nlp.initialize(lambda: train)


def test_torchmoji_balanced_batcher():
    nlp = spacy.blank("en")
    docs = []
    for i in range(100):
        doc = nlp.make_doc(f"text {i}")
        doc.cats = {"common": float(i >= 5), "rare": float(i < 5)}
        docs.append(doc)
    batches = list(balanced_batches(docs, size=20, epoch_size=200))
    assert len(batches) == 10 and all(len(b) == 20 for b in batches)
    rare = sum(d.cats["rare"] for b in batches for d in b)
    assert 70 < rare < 130  # about half, though only 5% of the data
    unlabelled = [nlp.make_doc("x")]
    unlabelled[0].cats = {"a": 0.0}
    with pytest.raises(ValueError, match="E162"):
        list(balanced_batches(unlabelled, 2, 2))


def test_torchmoji_default_config_is_trainable_config():
    from thinc.api import Config

    config = Config().from_str(TRAINABLE_TORCHMOJI_MODEL_STR)
    assert config["model"]["hidden_width"] == 512 and config["model"]["embed_width"] == 256


def test_torchmoji_word_mappings_v1_v2(vocab_path):
    """v2 reads DeepMoji's words from the text; v1 keeps mapping spaCy's tokens."""
    from spacy_transfer.torchmoji.model import texts_to_ids

    nlp = spacy.blank("en")
    doc = nlp("I love this 15:00 😂")
    ids = {}
    for version in ("v1", "v2"):
        model = dict(TINY_MODEL, **{"@architectures": f"spacy_transfer.TorchMoji.{version}"})
        pipe = spacy.blank("en").add_pipe("torchmoji", config={"model": model})
        pipe.initialize(lambda: examples(nlp), labels=["joy"], vocab_path=vocab_path)
        ids[version] = texts_to_ids(pipe.model, [doc])[0]
    i, love, this, number, unknown = 10, 11, 12, 4, 1
    # 15 : 00 -> CUSTOM_NUMBER, ":" (not in this vocabulary), CUSTOM_NUMBER; the emoji
    # is kept as a word, unknown.
    assert ids["v2"] == [i, love, this, number, unknown, number, unknown]
    assert ids["v1"] == [i, love, this, unknown]  # "15:00" one unknown word, emoji dropped


def test_torchmoji_loads_pipelines_saved_under_the_old_ref_name(trained, tmp_path):
    """Pipelines saved before the torch ref was renamed to "torch" name it "torchmoji_torch": they still load."""
    from spacy_transfer.torchmoji.model import TORCH_REF

    nlp, _ = trained
    model = nlp.get_pipe("torchmoji").model
    nlp.to_disk(tmp_path / "new")
    expected = spacy.load(tmp_path / "new")("I hate this.").cats
    wrapper = model.get_ref(TORCH_REF)
    model._refs = {"torchmoji_torch": wrapper}  # as the old code saved it
    try:
        nlp.to_disk(tmp_path / "old")
    finally:
        model._refs = {TORCH_REF: wrapper}
    loaded = spacy.load(tmp_path / "old")
    assert loaded.get_pipe("torchmoji").model.has_ref(TORCH_REF)
    assert loaded("I hate this.").cats == pytest.approx(expected)


def test_torchmoji_prediction_follows_an_optimizer_step(vocab_path, tmp_path):
    """torchmoji caches its fused LSTM weights for prediction. Thinc's optimizer changes the weights in place
    (through numpy, unseen by torch's version counters): a step with no forward pass in between, here Adam's
    momentum on an update whose only doc is empty, must still reach predictions, as the saved pipeline shows."""
    fix_random_seed(0)
    nlp = make_nlp(vocab_path)
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    for _ in range(5):
        nlp.update(train, sgd=optimizer)
    before = nlp("I hate this.").cats  # fills the cache
    nlp.update([Example.from_dict(nlp.make_doc(""), {"cats": {"joy": 1.0}})], sgd=optimizer)
    after = nlp("I hate this.").cats
    nlp.to_disk(tmp_path / "nlp")
    assert after == pytest.approx(spacy.load(tmp_path / "nlp")("I hate this.").cats, abs=1e-7)
    assert after != pytest.approx(before, abs=1e-7)  # the step did change the weights
