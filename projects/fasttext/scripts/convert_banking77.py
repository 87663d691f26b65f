"""BANKING77 CSV -> spaCy DocBin: train/dev (dev = a seeded 10% of the official train split), test, and test
with injected typos (test_typos)."""

import csv
import json
import random
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin


def read_csv(path: Path):
    with path.open(encoding="utf8", newline="") as f:
        return [(row["text"], row["category"]) for row in csv.DictReader(f)]


def to_docbin(nlp, rows, labels, out: Path) -> None:
    db = DocBin()
    for text, label in rows:
        doc = nlp.make_doc(text)
        doc.cats = {name: float(name == label) for name in labels}
        db.add(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(out)
    print(f"{out}: {len(rows)} docs")


def add_typos(text: str, rng: random.Random, rate: float = 0.3) -> str:
    """One random character edit (swap, drop, repeat or replace) in `rate` of the words longer than 3 letters."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and w.isalpha() and rng.random() < rate:
            j = rng.randrange(1, len(w) - 1)
            op = rng.randrange(4)
            if op == 0:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            elif op == 1:
                w = w[:j] + w[j + 1 :]
            elif op == 2:
                w = w[:j] + w[j] + w[j:]
            else:
                w = w[:j] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[j + 1 :]
            words[i] = w
    return " ".join(words)


def main(data_dir: Path, out_dir: Path, dev_fraction: float = 0.1, seed: int = 0) -> None:
    src = data_dir / "banking77"
    labels = json.loads((src / "categories.json").read_text(encoding="utf8"))
    nlp = spacy.blank("en")
    train = read_csv(src / "train.csv")
    random.Random(seed).shuffle(train)
    n_dev = int(len(train) * dev_fraction)
    to_docbin(nlp, train[n_dev:], labels, out_dir / "train.spacy")
    to_docbin(nlp, train[:n_dev], labels, out_dir / "dev.spacy")
    test = read_csv(src / "test.csv")
    to_docbin(nlp, test, labels, out_dir / "test.spacy")
    # the same test set with typos: words the training data never saw (robustness to OOV words)
    rng = random.Random(seed)
    to_docbin(nlp, [(add_typos(text, rng), label) for text, label in test], labels, out_dir / "test_typos.spacy")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
