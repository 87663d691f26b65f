"""Memory / speed benchmark: spacy_transfer's fastText reader vs fasttext and gensim.

Builds (once, cached) a >=200 MB fastText .bin trained on the Gutenberg/LitBank corpus, then measures in a separate
subprocess per contender: load time, peak RSS (VmHWM), anonymous (private) RSS, OOV lookups per second, and the max
abs difference of the vectors to the official fasttext bindings. Prints one JSON object.

    python benchmarks/fasttext_memory.py [--data DIR] [--work DIR] [--dim 100] [--bucket 2000000]

DIR defaults: --data $SPACY_TRANSFER_DATA or ../shared/datasets; --work projects/fasttext/training (git-ignored).
"""
import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def default_data_dir() -> Path:
    return Path(os.environ.get("SPACY_TRANSFER_DATA", ROOT.parent / "shared" / "datasets"))


def preprocess(corpus_dir: Path, out_path: Path) -> None:
    """Unwrap paragraphs, lower-case and split punctuation: one paragraph per line."""
    with out_path.open("w", encoding="utf8") as out:
        for path in sorted(corpus_dir.glob("*.txt")):
            text = path.read_text(encoding="utf8")
            for para in re.split(r"\n\s*\n", text):
                tokens = TOKEN_RE.findall(para.lower())
                if tokens:
                    out.write(" ".join(tokens) + "\n")


def build_model(data_dir: Path, work: Path, dim: int, bucket: int, epoch: int) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    model_path = work / f"gutenberg_d{dim}_b{bucket}.bin"
    if model_path.exists():
        return model_path
    corpus = work / "gutenberg_corpus.txt"
    if not corpus.exists():
        preprocess(data_dir / "gutenberg_litbank_corpus" / "texts", corpus)
    import fasttext

    for lr in (0.05, 0.025, 0.01):  # small runs sometimes stop with "Encountered NaN"
        try:
            model = fasttext.train_unsupervised(
                str(corpus), model="skipgram", dim=dim, bucket=bucket, minn=3, maxn=6,
                minCount=5, epoch=epoch, lr=lr, thread=2, verbose=0,
            )
            break
        except RuntimeError as err:
            print(f"fasttext training failed with lr={lr}: {err}", file=sys.stderr)
    else:
        raise RuntimeError("fastText training failed for every learning rate")
    model.save_model(str(model_path))
    return model_path


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "build-only":
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("--data", type=Path, default=default_data_dir())
    p.add_argument("--work", type=Path, default=ROOT / "projects" / "fasttext" / "training")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--bucket", type=int, default=2_000_000)
    p.add_argument("--epoch", type=int, default=5)
    a = p.parse_args()
    print(build_model(a.data, a.work, a.dim, a.bucket, a.epoch))
