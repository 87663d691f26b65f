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
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def default_data_dir() -> Path:
    return Path(os.environ.get("SPACY_TRANSFER_DATA", ROOT.parent / "shared" / "datasets"))


def preprocess(corpus_dir: Path, out_path: Path, keep_case: bool = False) -> None:
    """Unwrap paragraphs, lower-case (unless keep_case) and split punctuation: one paragraph per line."""
    with out_path.open("w", encoding="utf8") as out:
        for path in sorted(corpus_dir.glob("*.txt")):
            text = path.read_text(encoding="utf8")
            for para in re.split(r"\n\s*\n", text):
                tokens = TOKEN_RE.findall(para if keep_case else para.lower())
                if tokens:
                    out.write(" ".join(tokens) + "\n")


def build_model(data_dir: Path, work: Path, dim: int, bucket: int, epoch: int, keep_case: bool = False) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    suffix = "_cased" if keep_case else ""
    model_path = work / f"gutenberg_d{dim}_b{bucket}{suffix}.bin"
    if model_path.exists():
        return model_path
    corpus = work / f"gutenberg_corpus{suffix}.txt"
    if not corpus.exists():
        preprocess(data_dir / "gutenberg_litbank_corpus" / "texts", corpus, keep_case)
    import fasttext

    for lr in (0.05, 0.025, 0.01):  # small runs sometimes stop with "Encountered NaN"
        try:
            model = fasttext.train_unsupervised(
                str(corpus),
                model="skipgram",
                dim=dim,
                bucket=bucket,
                minn=3,
                maxn=6,
                minCount=5,
                epoch=epoch,
                lr=lr,
                thread=2,
                verbose=0,
            )
            break
        except RuntimeError as err:
            print(f"fasttext training failed with lr={lr}: {err}", file=sys.stderr)
    else:
        raise RuntimeError("fastText training failed for every learning rate")
    model.save_model(str(model_path))
    return model_path


def memory_status() -> dict:
    """Peak and current RSS of this process in MB (VmHWM, RssAnon = private heap, RssFile = mapped file pages)."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def make_word_lists(model_path: Path, corpus: Path, work: Path, n_unique: int, n_tokens: int, seed: int = 0):
    """OOV evaluation words: rare corpus words below minCount (real OOV) plus misspellings of vocabulary words,
    and a token stream drawn from them with Zipf frequencies (running text repeats words)."""
    from spacy_transfer.fasttext_vectors.io import load_fasttext

    model = load_fasttext(model_path)
    vocab = set(model.words)
    counts = {}
    with corpus.open(encoding="utf8") as f:
        for line in f:
            for w in line.split():
                counts[w] = counts.get(w, 0) + 1
    rare = sorted(w for w in counts if w not in vocab and w.isalpha())
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéèü"
    misspelled = set()
    frequent = [w for w in model.words[:20000] if len(w) > 3 and w.isalpha()]
    while len(misspelled) < n_unique - min(len(rare), n_unique // 2):
        w = list(rng.choice(frequent))
        i = rng.randrange(len(w))
        op = rng.randrange(3)
        if op == 0:
            w.insert(i, rng.choice(letters))
        elif op == 1 and len(w) > 4:
            del w[i]
        else:
            w[i] = rng.choice(letters)
        word = "".join(w)
        if word not in vocab:
            misspelled.add(word)
    rng.shuffle(rare)
    held_out_rare = rare[:5000]  # for the export trade-off; the rest can be lookup words
    unique = rare[5000 : 5000 + n_unique // 2] + sorted(misspelled)
    rng.shuffle(unique)
    unique = unique[:n_unique]
    weights = [1.0 / (rank + 1) for rank in range(len(unique))]
    stream_ids = rng.choices(range(len(unique)), weights=weights, k=n_tokens)
    # "</s>" is left out of the vocabulary sample: gensim splits it into n-grams, fastText does not
    vocab_sample = [w for w in model.words[:2001] if w != "</s>"][:2000]
    lists = {"unique": unique, "stream_ids": stream_ids, "vocab": vocab_sample, "held_out_rare": held_out_rare}
    path = work / "benchmark_words.json"
    path.write_text(json.dumps(lists), encoding="utf8")
    return path, lists


def worker(impl: str, model_path: str, words_path: str, out_path: str, max_seconds: float) -> dict:
    """Runs in its own subprocess: load, look words up, report time and memory."""
    import numpy as np

    lists = json.loads(Path(words_path).read_text(encoding="utf8"))
    unique, vocab = lists["unique"], lists["vocab"]
    stream = [unique[i] for i in lists["stream_ids"]]  # running text: the same str objects repeat
    del lists
    # import the library first: its import is not the model's memory or load time
    if impl.startswith("spacy_transfer"):
        from spacy_transfer.fasttext_vectors.io import load_fasttext
        from spacy_transfer.fasttext_vectors.vectors import FastTextVectors
    elif impl == "fasttext":
        import fasttext
    elif impl == "gensim":
        from gensim.models.fasttext import load_facebook_model
    else:
        raise ValueError(impl)
    mem_before = memory_status()  # interpreter, library imports and word lists: not the model's memory
    t0 = time.perf_counter()
    table = None
    if impl.startswith("spacy_transfer"):
        table = FastTextVectors(load_fasttext(model_path))
        one = table.get_vector
    elif impl == "fasttext":
        ft = fasttext.load_model(model_path)
        one = ft.get_word_vector
    else:
        wv = load_facebook_model(model_path).wv
        one = wv.get_vector
    load_s = time.perf_counter() - t0
    result = {"impl": impl, "model": model_path, "load_s": round(load_s, 3)}

    def timed_loop(words, keep=0):
        """Per-word calls (what a token.vector hook does); stops after max_seconds."""
        kept = []
        t = time.perf_counter()
        for i, w in enumerate(words):
            v = one(w)
            if i < keep:
                kept.append(np.array(v, dtype=np.float32))
            if i % 1000 == 999 and time.perf_counter() - t > max_seconds:
                break
        return kept, round((i + 1) / (time.perf_counter() - t)), i + 1

    # 1) distinct OOV words, each looked up once: no cache can help
    if table is not None:
        t = time.perf_counter()
        for start in range(0, len(unique), 4096):  # results are dropped, as in the per-word loops
            table.compute(unique[start : start + 4096])
        result["oov_distinct_batch_per_s"] = round(len(unique) / (time.perf_counter() - t))
        table.clear_cache()
    kept, result["oov_distinct_loop_per_s"], result["oov_distinct_loop_n"] = timed_loop(unique, keep=5000)
    # 2) a running-text stream of OOV tokens (Zipf repeats), starting with an empty cache
    if table is not None:
        table.clear_cache()
        t = time.perf_counter()
        for start in range(0, len(stream), 10000):  # e.g. one batch of docs in nlp.pipe
            table.get_vectors(stream[start : start + 10000])
        result["oov_stream_batch_cold_per_s"] = round(len(stream) / (time.perf_counter() - t))
        table.clear_cache()
    _, result["oov_stream_loop_cold_per_s"], result["oov_stream_loop_cold_n"] = timed_loop(stream)
    if table is not None:  # 3) the same stream again: every word is cached now
        _, result["oov_stream_loop_warm_per_s"], _ = timed_loop(stream)
    vocab_vecs = np.stack([one(w) for w in vocab])
    np.savez(out_path, unique=np.stack(kept), vocab=vocab_vecs.astype(np.float32))
    mem = memory_status()
    result.update(
        {
            "peak_rss_mb": round(mem["VmHWM"], 1),
            "peak_rss_model_mb": round(mem["VmHWM"] - mem_before["VmRSS"], 1),
            "rss_anon_model_mb": round(mem["RssAnon"] - mem_before["RssAnon"], 1),
            "rss_file_model_mb": round(mem["RssFile"] - mem_before["RssFile"], 1),
            "rss_before_load_mb": round(mem_before["VmRSS"], 1),
        }
    )
    return result


def run_worker(impl: str, model_path: Path, words_path: Path, work: Path, max_seconds: float) -> dict:
    out = work / f"vectors_{impl}.npz"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "worker",
        "--impl",
        impl,
        "--model",
        str(model_path),
        "--words",
        str(words_path),
        "--out",
        str(out),
        "--max-seconds",
        str(max_seconds),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"{impl} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export_tradeoff(model_path: Path, work: Path, held_out: list, vocab: list) -> list:
    """Size vs quality of init-fasttext exports: mean cosine to the full vectors on held-out OOV words."""
    import numpy as np

    from spacy_transfer.fasttext_vectors.export import bucket_usage, export_fasttext, mean_cosine
    from spacy_transfer.fasttext_vectors.io import load_fasttext
    from spacy_transfer.fasttext_vectors.vectors import FastTextVectors

    full = FastTextVectors(load_fasttext(model_path), cache_size=0)
    n_used = int(np.count_nonzero(bucket_usage(full.model)))  # buckets some vocabulary n-gram hashes to
    settings = [
        {"dtype": "float32"},  # lossless: only all-zero buckets are dropped
        {"dtype": "float16"},
        {"dtype": "float32", "prune_buckets": n_used},
        {"dtype": "float16", "prune_buckets": n_used},
        {"dtype": "float16", "prune_buckets": 50000},
        {"dtype": "float16", "prune_buckets": 20000},
        {"dtype": "float16", "prune_buckets": 50000, "max_words": 5000},
    ]
    rows = []
    for setting in settings:
        name = "export_" + "_".join(f"{k}{v}" for k, v in setting.items())
        info = export_fasttext(model_path, work / name, **setting)
        table = FastTextVectors(load_fasttext(work / name), cache_size=0)
        in_vocab = np.abs(table.compute(vocab) - full.compute(vocab)).max()
        rows.append(
            {
                "setting": setting,
                "dir": str(work / name),
                "mb": round(info["bytes"] / 1e6, 1),
                "n_buckets": info["n_buckets"],
                "n_words": info["n_words"],
                "mean_cos_held_out_oov": round(mean_cosine(full, table, held_out), 4),
                # vocabulary words ranked 10000-12000: dropped by --max-words 5000, rebuilt from n-grams
                "mean_cos_vocab_10k_12k": round(mean_cosine(full, table, full.model.words[10000:12000]), 4),
                "max_abs_diff_vocab": float(in_vocab),
            }
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", nargs="?", default="run", choices=["run", "build-only", "worker"])
    p.add_argument("--data", type=Path, default=default_data_dir())
    p.add_argument("--work", type=Path, default=ROOT / "projects" / "fasttext" / "training")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--bucket", type=int, default=2_000_000)
    p.add_argument("--epoch", type=int, default=5)
    p.add_argument("--keep-case", action="store_true", help="train on cased text (the packaged default model)")
    p.add_argument("--n-unique", type=int, default=50_000)
    p.add_argument("--n-tokens", type=int, default=1_000_000)
    p.add_argument("--max-seconds", type=float, default=20.0, help="cap per timed per-word loop")
    p.add_argument("--impl")
    p.add_argument("--model")
    p.add_argument("--words")
    p.add_argument("--out")
    a = p.parse_args()
    if a.cmd == "worker":
        print(json.dumps(worker(a.impl, a.model, a.words, a.out, a.max_seconds)))
        return
    model_path = build_model(a.data, a.work, a.dim, a.bucket, a.epoch, a.keep_case)
    if a.cmd == "build-only":
        print(model_path)
        return
    import numpy as np

    words_path, lists = make_word_lists(model_path, a.work / "gutenberg_corpus.txt", a.work, a.n_unique, a.n_tokens)
    tradeoff = export_tradeoff(model_path, a.work, lists["held_out_rare"], lists["vocab"])
    lossless_dir = tradeoff[0]["dir"]  # float32, all non-zero buckets
    compact_dir = tradeoff[3]["dir"]  # float16, the buckets the vocabulary uses
    contenders = [
        ("fasttext", model_path),
        ("gensim", model_path),
        ("spacy_transfer_bin", model_path),
        ("spacy_transfer_export_f32_lossless", Path(lossless_dir)),
        ("spacy_transfer_export_f32_used_buckets", Path(tradeoff[2]["dir"])),
        ("spacy_transfer_export_f16_used_buckets", Path(compact_dir)),
    ]
    results = [run_worker(impl, path, words_path, a.work, a.max_seconds) for impl, path in contenders]
    ref = np.load(a.work / "vectors_fasttext.npz")
    for r in results:
        vecs = np.load(a.work / f"vectors_{r['impl']}.npz")
        n = min(len(vecs["unique"]), len(ref["unique"]))
        r["max_abs_diff_vs_fasttext_oov"] = float(np.abs(vecs["unique"][:n] - ref["unique"][:n]).max())
        r["max_abs_diff_vs_fasttext_vocab"] = float(np.abs(vecs["vocab"] - ref["vocab"]).max())
    base = {r["impl"]: r for r in results}
    for r in results:
        for anchor in ("fasttext", "gensim"):
            r[f"peak_rss_ratio_vs_{anchor}"] = round(r["peak_rss_mb"] / base[anchor]["peak_rss_mb"], 3)
            r[f"model_rss_ratio_vs_{anchor}"] = round(r["peak_rss_model_mb"] / base[anchor]["peak_rss_model_mb"], 3)
    report = {
        "model": {
            "path": str(model_path),
            "mb": round(model_path.stat().st_size / 1e6, 1),
            "dim": a.dim,
            "bucket": a.bucket,
        },
        "words": {
            "distinct_oov": len(lists["unique"]),
            "stream_tokens": len(lists["stream_ids"]),
            "stream_distinct": len(set(lists["stream_ids"])),
            "held_out_rare": len(lists["held_out_rare"]),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_avg_1min_at_end": os.getloadavg()[0],
        },
        "results": results,
        "export_tradeoff": tradeoff,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
