"""Throughput and memory of `spacy_transfer annotate`: local 1 and 2 processes, Ray 2 actors.

Builds a JSONL corpus of paragraphs from the Gutenberg/LitBank texts (at least --words
whitespace words), runs the annotate command once per engine setting in a subprocess,
and prints JSON: words/s (from the run's summary: Ray's includes starting Ray and the
actors, local's starts after the pipeline is loaded), wall time including start-up, the
scaling ratio against 1 process, the CPU seconds of the process tree (a figure that a
busy shared machine distorts less than wall time) and its peak resident memory (sampled
every 0.25 s; forked workers share pages, so the sum over-counts).

    python benchmarks/annotate_scale.py [DATA_DIR] [--words 100000]

DATA_DIR defaults to $SPACY_TRANSFER_DATA; it holds gutenberg_litbank_corpus/.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

RUNS = [("local", 1), ("local", 2), ("ray", 2)]


def build_corpus(corpus_dir: Path, n_words: int, path: Path) -> dict:
    """Write paragraphs (line breaks unwrapped) as {"id", "text"} lines until n_words."""
    words = docs = 0
    with open(path, "w", encoding="utf8") as out:
        for book in sorted((corpus_dir / "texts").glob("*.txt")):
            paragraphs = book.read_text(encoding="utf8").split("\n\n")
            for i, paragraph in enumerate(paragraphs):
                text = " ".join(paragraph.split())
                if not text:
                    continue
                out.write(json.dumps({"id": f"{book.stem}:{i}", "text": text}) + "\n")
                words += len(text.split())
                docs += 1
                if words >= n_words:
                    return {"docs": docs, "whitespace_words": words}
    return {"docs": docs, "whitespace_words": words}


def sample_tree(proc: psutil.Process, cpu: dict) -> int:
    """Sum the RSS of a process tree; record each process's CPU time in `cpu` by pid."""
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def run(engine: str, n: int, pipeline: str, corpus: Path, out: Path, batch_size: int) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "spacy_transfer.annotate",
        pipeline,
        str(corpus),
        str(out),
        "--engine",
        engine,
        "--n-process",
        str(n),
        "--batch-size",
        str(batch_size),
        "--no-progress",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ps, peak, load, cpu = psutil.Process(proc.pid), 0, [], {}
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sample_tree(ps, cpu))
            load.append(os.getloadavg()[0])
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log = proc.communicate()[0].decode("utf8", "replace")
    stop.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} x{n} failed:\n{log[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return {
        "engine": engine,
        "workers": n,
        "docs": summary["docs"],
        "words": summary["words"],
        "errors": summary["errors"],
        "run_seconds": summary["seconds"],
        "words_per_s": summary["words_per_s"],
        "docs_per_s": summary["docs_per_s"],
        "first_result_s": summary.get("first_result_s"),
        "cpu_seconds": round(sum(cpu.values()), 1),
        "words_per_cpu_s": round(summary["words"] / max(sum(cpu.values()), 1e-9)),
        "wall_seconds_with_startup": round(wall, 1),
        "peak_tree_rss_mb": round(peak / 2**20),
        "mean_load_1min": round(sum(load) / max(len(load), 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", nargs="?", default=os.environ.get("SPACY_TRANSFER_DATA"))
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--pipeline", default="en_core_web_sm")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--runs",
        default=",".join(f"{e}:{n}" for e, n in RUNS),
        help="comma-separated engine:workers, e.g. local:1,ray:2",
    )
    args = parser.parse_args()
    if not args.data_dir:
        parser.error("give DATA_DIR or set SPACY_TRANSFER_DATA")
    corpus_dir = Path(args.data_dir) / "gutenberg_litbank_corpus"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        info = build_corpus(corpus_dir, args.words, corpus)
        results = []
        for spec in args.runs.split(","):
            engine, n = spec.split(":")
            results.append(run(engine, int(n), args.pipeline, corpus, Path(tmp) / f"out-{engine}-{n}", args.batch_size))
            print(json.dumps(results[-1]), file=sys.stderr)
    base = next((r for r in results if r["engine"] == "local" and r["workers"] == 1), None)
    for r in results:
        r["scaling_vs_local_1"] = round(r["words_per_s"] / base["words_per_s"], 2) if base else None

    print(
        json.dumps(
            {
                "benchmark": "annotate_scale",
                "pipeline": args.pipeline,
                "corpus": info,
                "batch_size": args.batch_size,
                "cpu_count": os.cpu_count(),
                "load_1min_at_end": os.getloadavg()[0],
                "runs": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
