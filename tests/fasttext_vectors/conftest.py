"""A tiny fastText model trained in the test session (a few seconds) on generated text."""
import random
from pathlib import Path

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
    for lr in (0.05, 0.1, 0.025):  # small runs sometimes stop with "Encountered NaN"
        try:
            model = fasttext.train_unsupervised(
                str(corpus), model="skipgram", dim=24, minn=2, maxn=5, bucket=20000, minCount=1,
                epoch=5, lr=lr, thread=1, verbose=0, t=1.0,  # t=1: no subsampling of a tiny vocabulary
            )
            break
        except RuntimeError as err:
            last_error = err
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
