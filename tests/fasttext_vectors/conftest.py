"""A tiny fastText model trained in the test session (about a second) on generated text."""

import random
from pathlib import Path

import numpy as np
import pytest

# fmt: off
# Two groups of words in distinct contexts, so that the tiny vectors have structure; plus non-ASCII words.
ANIMALS = ["cat", "dog", "horse", "bird", "rabbit", "cow"]
ANIMAL_VERBS = ["barks", "purrs", "eats grass", "sleeps in the barn", "runs in the field", "chases a mouse"]
PEOPLE = ["teacher", "doctor", "nurse", "student", "baker", "neighbour"]
PEOPLE_VERBS = ["reads a book", "writes a letter", "teaches the class", "visits the café", "signs the résumé",
                "works at the school"]
EXTRA = ["naïve", "Straße", "😀", "résumé", "café", "garden"]
# fmt: on


def write_corpus(path: Path, n_sentences: int = 6000, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf8") as f:
        for _ in range(n_sentences):
            if rng.random() < 0.5:
                words = ["the", rng.choice(ANIMALS), rng.choice(ANIMAL_VERBS)]
            else:
                words = ["the", rng.choice(PEOPLE), rng.choice(PEOPLE_VERBS)]
            if rng.random() < 0.2:
                words.append(rng.choice(EXTRA))
            f.write(" ".join(words) + " .\n")
    return path


def train_tiny_model(tmp_dir: Path):
    """Train with gensim, save in fastText's own .bin format, and load that with the official `fasttext` bindings.

    fastText's trainer is built with -march=native from its sdist, and on this tiny corpus some machines diverge
    (weights ~1e17-1e21, every learning rate and retry, seen in CI) while others do not. The tests are about reading
    a real .bin the way fastText does, so a deterministic trainer writes it and fastText itself is the reference.
    """
    fasttext = pytest.importorskip("fasttext")
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    corpus = write_corpus(tmp_dir / "corpus.txt")
    trained = gensim_fasttext.FastText(
        corpus_file=str(corpus),
        sg=1,
        vector_size=24,
        min_n=2,
        max_n=5,
        bucket=20000,
        min_count=1,
        epochs=5,
        alpha=0.05,
        workers=1,
        seed=0,
        sample=0,  # sample=0: no subsampling of a tiny vocabulary
    )
    path = tmp_dir / "tiny.bin"
    gensim_fasttext.save_facebook_model(trained, str(path))
    model = fasttext.load_model(str(path))
    assert np.abs(model.get_input_matrix()).max() < 1e3, "the tiny fastText model diverged"
    return path, model


@pytest.fixture(scope="session")
def tiny_fasttext(tmp_path_factory):
    """(path to .bin, official fasttext model)."""
    return train_tiny_model(tmp_path_factory.mktemp("fasttext"))


@pytest.fixture(scope="session")
def tiny_bin(tiny_fasttext) -> Path:
    return tiny_fasttext[0]
