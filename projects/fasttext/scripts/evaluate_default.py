"""How close the packaged (pruned, float16) vectors stay to the full model on words outside its vocabulary.

    python scripts/evaluate_default.py MODEL.bin EXPORT_DIR CORPUS.txt OUTPUT.json [--n-words 3000]

Evaluation words: corpus words below fastText's minCount (so not in the vocabulary), alphabetic, a seeded sample.
"""

import json
import random
from pathlib import Path

import typer

from spacy_transfer.fasttext_vectors.export import mean_cosine
from spacy_transfer.fasttext_vectors.io import load_fasttext
from spacy_transfer.fasttext_vectors.vectors import FastTextVectors


def rare_words(corpus: Path, vocab: set, n_words: int, seed: int) -> list:
    seen = set()
    with corpus.open(encoding="utf8") as f:
        for line in f:
            seen.update(w for w in line.split() if w.isalpha() and w not in vocab)
    words = sorted(seen)
    random.Random(seed).shuffle(words)
    return words[:n_words]


def main(model: Path, export_dir: Path, corpus: Path, output: Path,
         n_words: int = typer.Option(3000), seed: int = typer.Option(0)) -> None:  # fmt: skip
    full = FastTextVectors(load_fasttext(model), cache_size=0)
    export = FastTextVectors(load_fasttext(export_dir), cache_size=0)
    words = rare_words(corpus, set(full.model.words), n_words, seed)
    result = {"model": str(model), "export": str(export_dir), "n_oov_words": len(words),
              "mean_cos_oov": round(mean_cosine(full, export, words), 4),
              "mean_cos_vocab": round(mean_cosine(full, export, full.model.words), 4)}  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2), encoding="utf8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    typer.run(main)
