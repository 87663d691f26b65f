"""The packaged default vectors (gutenberg-en): what `nlp.add_pipe("fasttext_vectors")` gives without a path."""

import numpy as np
import pytest
import spacy

from spacy_transfer.fasttext_vectors.demo import run_demo
from spacy_transfer.fasttext_vectors.io import load_fasttext, packaged_vectors


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("fasttext_vectors")
    return nlp


def test_packaged_vectors_are_listed_and_load_by_name():
    assert "gutenberg-en" in packaged_vectors()
    model = load_fasttext("gutenberg-en")
    assert model.dim == 100 and len(model.words) > 10000
    assert "beautiful" in model.words and "Elizabeth" in model.words  # cased


def test_unknown_name_lists_the_packaged_ones(tmp_path):
    with pytest.raises(FileNotFoundError, match="E100.*gutenberg-en"):
        load_fasttext("gutenberg-xx")


def test_default_component_gives_oov_words_real_vectors(nlp):
    doc = nlp("The beautfiul gentleman came in the afternoon.")
    typo, gentleman, afternoon = doc[1], doc[2], doc[6]
    assert "beautfiul" not in nlp.get_pipe("fasttext_vectors").table
    assert typo.has_vector and typo.vector.shape == (100,)
    assert typo.similarity(nlp("beautiful")[0]) > 0.8
    assert gentleman.similarity(afternoon) < 0.5


def test_default_vectors_survive_to_disk(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    words = ["beautiful", "beautfiul", "grandmotherly"]
    expected = np.stack([nlp(w)[0].vector for w in words])
    np.testing.assert_array_equal(np.stack([loaded(w)[0].vector for w in words]), expected)


def test_demo_runs(capsys):
    run_demo(spacy.blank("en"))
    out = capsys.readouterr().out
    assert "grandmotherly" in out and "nearest: grandmother" in out
