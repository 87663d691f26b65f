"""A tiny fastText model trained in the test session (a few seconds) on generated text."""
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
    fasttext = pytest.importorskip("fasttext")
    corpus = write_corpus(tmp_dir / "corpus.txt")
    last_error = None
    # Small runs sometimes stop with "Encountered NaN", and (not reproducibly, even with thread=1) some diverge
    # without NaN: weights ~1e21, so float16 exports overflow and similarities are noise. Both are retried.
    for lr in (0.05, 0.1, 0.025) * 4:
        try:
            model = fasttext.train_unsupervised(
                str(corpus), model="skipgram", dim=24, minn=2, maxn=5, bucket=20000, minCount=1,
                epoch=5, lr=lr, thread=1, verbose=0, t=1.0,  # t=1: no subsampling of a tiny vocabulary
            )
        except RuntimeError as err:
            last_error = err
            continue
        largest = float(np.abs(model.get_input_matrix()).max())
        if largest < 1e3:
            break
        last_error = f"diverged (largest weight {largest:.3g})"
    else:
        pytest.fail(f"fastText training failed for every learning rate: {last_error}")
    path = tmp_dir / "tiny.bin"
    model.save_model(str(path))
    return path, model


@pytest.fixture(scope="session")
def tiny_fasttext(tmp_path_factory):
    """(path to .bin, official fasttext model)."""
    return train_tiny_model(tmp_path_factory.mktemp("fasttext"))


@pytest.fixture(scope="session")
def tiny_bin(tiny_fasttext) -> Path:
    return tiny_fasttext[0]
