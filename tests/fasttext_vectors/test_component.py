"""The `fasttext_vectors` component: hooks, define, serialization, errors."""

import pickle

import numpy as np
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from spacy_transfer.fasttext_vectors.component import FastTextVectorsComponent


@pytest.fixture
def nlp(tiny_bin):
    nlp = spacy.blank("en")
    nlp.add_pipe("fasttext_vectors", config={"path": str(tiny_bin)})
    nlp.initialize()
    return nlp


def test_fasttext_vectors_factory_from_entry_point(tiny_bin):
    # spacy.blank finds the factory through the entry point, without importing spacy_transfer first
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("fasttext_vectors", config={"path": str(tiny_bin)})
    assert nlp.pipe_names == ["fasttext_vectors"]
    assert isinstance(pipe, FastTextVectorsComponent)
    assert "fasttext_vectors" in Language.factories


def test_fasttext_vectors_hooks_match_official(nlp, tiny_fasttext):
    _, ft = tiny_fasttext
    doc = nlp("the naïve teacherz reads 😀😀 .")
    for token in doc:
        np.testing.assert_array_equal(token.vector, ft.get_word_vector(token.text))
        assert token.has_vector
        assert token.vector_norm == pytest.approx(float(np.linalg.norm(ft.get_word_vector(token.text))), rel=1e-5)
    expected_mean = np.stack([ft.get_word_vector(t.text) for t in doc]).mean(axis=0)
    np.testing.assert_allclose(doc.vector, expected_mean, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(doc[1:3].vector, np.stack([doc[1].vector, doc[2].vector]).mean(0), atol=1e-7)
    assert doc.has_vector and doc[1:3].has_vector


def test_fasttext_vectors_oov_misspelling_similarity(nlp):
    doc = nlp("teacher teacherr doctor doctr rabbit rabbbit horse")
    assert all(t.text not in nlp.get_pipe("fasttext_vectors").table for t in (doc[1], doc[3], doc[5]))
    for right, wrong in ((0, 1), (2, 3), (4, 5)):
        sim = doc[wrong].similarity(doc[right])
        assert sim > 0.7, (doc[wrong], sim)
    # closer to its correct form than to a word of the other group (teacher/doctor vs animals)
    assert doc[1].similarity(doc[0]) > doc[1].similarity(doc[6]) + 0.3
    assert doc[3].similarity(doc[2]) > doc[3].similarity(doc[6]) + 0.3
    other = nlp("the doctor")
    assert -1.0 <= doc.similarity(other) <= 1.0 and doc[2:4].similarity(other[1]) > 0.7
    assert doc[3].similarity(nlp.vocab["doctor"]) == pytest.approx(doc[3].similarity(doc[2]), rel=1e-5)


def test_fasttext_vectors_define(nlp):
    pipe = nlp.get_pipe("fasttext_vectors")
    vector = pipe.define("Kendall Jenner", ["teacher", "doctor"])
    doc = nlp("Kendall Jenner visits the doctor")
    np.testing.assert_allclose(doc[0:2].vector, vector)
    assert doc[0:2].similarity(doc[4]) > doc[0].similarity(doc[4])
    pipe.define("Zorblax", "cat")
    np.testing.assert_array_equal(nlp("Zorblax")[0].vector, nlp("cat")[0].vector)
    with pytest.raises(ValueError, match="E108"):
        pipe.define("nothing", [])


def test_fasttext_vectors_empty_and_tiny(nlp):
    empty = nlp("")
    assert empty.vector.shape == (24,) and not np.any(empty.vector) and not empty.has_vector
    assert empty.similarity(nlp("cat")) == 0.0
    docs = list(nlp.pipe(["", "cat", ""]))
    assert docs[1][0].has_vector and docs[1].vector_norm > 0


def test_fasttext_vectors_serialization(nlp, tmp_path, tiny_fasttext):
    _, ft = tiny_fasttext
    nlp.get_pipe("fasttext_vectors").define("Kendall Jenner", ["teacher", "doctor"])
    text = "Kendall Jenner reads the mvoie"
    doc = nlp(text)
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "fasttext_vectors" / "vectors" / "fasttext.json").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    doc2 = loaded(text)
    np.testing.assert_array_equal(doc2[4].vector, ft.get_word_vector("mvoie"))
    np.testing.assert_allclose(doc2[0:2].vector, doc[0:2].vector)
    # bytes: cfg + definitions
    pipe = nlp.get_pipe("fasttext_vectors")
    other = FastTextVectorsComponent(nlp.vocab, path=None, lowercase=False).from_bytes(pipe.to_bytes())
    assert other.cfg == pipe.cfg and list(other.definitions) == ["Kendall Jenner"]
    # docs with hooks pickle (the table pickles as its path), DocBin keeps the text
    doc3 = pickle.loads(pickle.dumps(doc))
    np.testing.assert_array_equal(doc3[4].vector, doc[4].vector)
    db = DocBin(docs=[doc])
    assert list(db.get_docs(nlp.vocab))[0].text == text


def test_fasttext_vectors_errors(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("fasttext_vectors", config={"path": None})
    with pytest.raises(ValueError, match="E107"):
        nlp("text")
    nlp2 = spacy.blank("en")
    nlp2.add_pipe("fasttext_vectors", config={"path": str(tmp_path / "missing.bin")})
    with pytest.raises(FileNotFoundError, match="E100"):
        nlp2.initialize()


def test_fasttext_vectors_lowercase(tiny_bin, tiny_fasttext):
    _, ft = tiny_fasttext
    nlp = spacy.blank("en")
    nlp.add_pipe("fasttext_vectors", config={"path": str(tiny_bin), "lowercase": True})
    doc = nlp("The CAT")
    np.testing.assert_array_equal(doc[1].vector, ft.get_word_vector("cat"))
    assert isinstance(doc, Doc)


@pytest.mark.issue(14)
def test_fasttext_vectors_n_process_keeps_hooks():
    """Docs from nlp.pipe(n_process=2) have the same fastText vectors and similarities as from n_process=1."""
    texts = ["The naïve teacherz reads a book.", "", "A cat sat on the mvoie mat.", "😀 emoji only", "the dog"] * 3
    nlp = spacy.blank("en")
    nlp.add_pipe("fasttext_vectors")  # the packaged vectors
    serial = list(nlp.pipe(texts))
    parallel = list(nlp.pipe(texts, n_process=2, batch_size=2))
    assert [d.text for d in parallel] == texts
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(b.vector, a.vector)
        assert b.has_vector == a.has_vector
        for ta, tb in zip(a, b):
            np.testing.assert_array_equal(tb.vector, ta.vector)
            assert tb.vector_norm == ta.vector_norm
        if len(a) > 1:
            np.testing.assert_array_equal(b[:2].vector, a[:2].vector)
            assert b[0].similarity(b[1]) == a[0].similarity(a[1])
    assert parallel[0].similarity(parallel[2]) == serial[0].similarity(serial[2])
    # a disabled component gives no hooks, as with n_process=1
    plain = list(nlp.pipe(texts[:2], n_process=2, disable=["fasttext_vectors"]))
    assert not plain[0].user_hooks
    # the pipeline still pickles with the wrapped _multiprocessing_pipe
    assert pickle.loads(pickle.dumps(nlp)).pipe_names == ["fasttext_vectors"]


@pytest.mark.parametrize("settings", [{"path": None, "lowercase": "yes"}, {"path": 3, "lowercase": False}])
def test_fasttext_vectors_class_checks_its_settings(settings):
    """Built directly (no factory, so no config validation), a bad setting still gets E114 naming it."""
    from spacy.vocab import Vocab

    from spacy_transfer.fasttext_vectors.component import FastTextVectorsComponent

    key = "lowercase" if settings["lowercase"] == "yes" else "path"
    with pytest.raises(ValueError, match=f"E114.*{key}"):
        FastTextVectorsComponent(Vocab(), **settings)
