"""`spacy_transfer.FastTextEmbed.v1` as tok2vec input of a textcat, built from configs/test/textcat_fasttext.cfg."""

from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, load_model_from_config, registry
from thinc.api import Adam

from ..helpers import run_in_fresh_interpreter

ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = ROOT / "configs" / "test" / "textcat_fasttext.cfg"

# Misspelled test words never occur in training: only subword vectors can carry the label over.
TRAIN_DATA = [
    ("the cat", "ANIMAL"),
    ("a dog barks", "ANIMAL"),
    ("the horse and the cow", "ANIMAL"),
    ("the teacher", "PEOPLE"),
    ("a doctor reads", "PEOPLE"),
    ("the nurse and the student", "PEOPLE"),
]
LABELS = ["ANIMAL", "PEOPLE"]


def make_nlp(tiny_bin):
    config = load_config(TEST_CONFIG, overrides={"paths.fasttext": str(tiny_bin)}, interpolate=False)
    return load_model_from_config(config, auto_fill=True, validate=True)


def examples(nlp):
    out = []
    for text, label in TRAIN_DATA:
        out.append(Example.from_dict(nlp.make_doc(text), {"cats": {l: float(l == label) for l in LABELS}}))
    return out


def test_fasttext_embed_registered():
    assert "spacy_transfer.FastTextEmbed.v1" in registry.layers
    assert "spacy_transfer.FastTextStatic.v1" in registry.layers


def test_fasttext_embed_textcat_training(tiny_bin, tmp_path):
    fix_random_seed(0)
    nlp = make_nlp(tiny_bin)
    train = examples(nlp)
    nlp.initialize(lambda: train)
    optimizer = Adam(0.01)  # the config's 0.001 is for real data; a few dozen tiny updates need more
    tok2vec = nlp.get_pipe("textcat").model.get_ref("tok2vec")
    embed_out = tok2vec.layers[0].predict([nlp.make_doc("the cat"), nlp.make_doc("")])
    assert [a.shape for a in embed_out] == [(2, 16), (0, 16)]
    history = []
    for _ in range(60):
        losses = {}
        nlp.update(train, sgd=optimizer, losses=losses)
        history.append(losses["textcat"])
    assert history[-1] < 0.1 * history[0] and history[-1] < 0.05, history[::10]
    for text, label in [("the catt and a rabbbit", "ANIMAL"), ("the teacherr and the doctr", "PEOPLE")]:
        cats = nlp(text).cats
        assert max(cats, key=cats.get) == label, (text, cats)
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    # (no "" in a batch: spaCy's TextCatReduce max pooling rejects empty docs mixed with others)
    texts = ["the catt and a rabbbit", "nurse"]
    assert set(loaded("").cats) == set(LABELS)
    for a, b in zip(nlp.pipe(texts), loaded.pipe(texts)):
        assert a.cats == pytest.approx(b.cats, abs=1e-6)
    scores = loaded.evaluate(train)
    assert "cats_score" in scores


def test_fasttext_embed_missing_path():
    config = load_config(TEST_CONFIG, interpolate=False)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    with pytest.raises(ValueError, match="E111"):
        nlp.initialize(lambda: examples(nlp))


def test_fasttext_vectors_entry_point_without_import(tiny_bin):
    """A fresh interpreter finds the factory and the layer through entry points alone."""
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        f"nlp.add_pipe('fasttext_vectors', config={{'path': {str(tiny_bin)!r}}})\n"
        "from spacy.util import registry\n"
        "registry.layers.get('spacy_transfer.FastTextEmbed.v1')\n"
        "assert nlp('cat')[0].has_vector\n"
    )
    run_in_fresh_interpreter(code)


def test_fasttext_embed_config_twins_differ_only_in_size():
    full = load_config(ROOT / "configs" / "textcat_fasttext.cfg", interpolate=False)
    test = load_config(TEST_CONFIG, interpolate=False)
    assert (
        full["components"]["textcat"]["model"]["tok2vec"]["embed"]["@layers"]
        == test["components"]["textcat"]["model"]["tok2vec"]["embed"]["@layers"]
        == "spacy_transfer.FastTextEmbed.v1"
    )
    assert full["training"]["score_weights"] == test["training"]["score_weights"]
    assert np.isclose(full["system"]["seed"], 0)


def test_fasttext_embed_pipeline_moves_with_paths_override(tiny_bin, tmp_path):
    """The layer does not copy its vectors into the pipeline; when they move, `paths.fasttext` points it there."""
    import shutil

    from spacy_transfer.fasttext_vectors.export import export_fasttext

    export_fasttext(tiny_bin, tmp_path / "vectors")
    fix_random_seed(0)
    nlp = make_nlp(tmp_path / "vectors")
    nlp.initialize(lambda: examples(nlp))
    expected = nlp("the catt").cats
    nlp.to_disk(tmp_path / "model")
    shutil.move(tmp_path / "vectors", tmp_path / "moved")
    with pytest.raises(FileNotFoundError, match="E100"):
        spacy.load(tmp_path / "model")("the catt")
    moved = spacy.load(tmp_path / "model", config={"paths": {"fasttext": str(tmp_path / "moved")}})
    assert moved("the catt").cats == pytest.approx(expected, abs=1e-6)
