"""Words/s of en_core_web_sm alone vs en_core_web_sm + neuralcoref, same texts, one process.

Also checks that the fast (split first layer) scorer gives the same clusters as the
straightforward path that builds the full 1364-d pair input.

With --component coref it compares en_core_web_sm alone with en_core_web_sm + coref (the
word-level component) instead, in CPU time (time.process_time) with one torch thread, the
two contenders alternating in one process (every two docs), best of --repeats passes each.

usage: python benchmarks/coref_speed.py [--data DIR] [--words 50000] [--doc-words 800]
       python benchmarks/coref_speed.py --component coref [--weights NAME_OR_DIR] [--repeats 3]
           [--pipe-config '{"gender_neutral": true}']
       python benchmarks/coref_speed.py --component coref --contenders '{"full": {"weights": DIR, "config": {...}},
           "shipped": {"weights": "coref-en"}}'   (all of them alternating with en_core_web_sm in one process)
Prints one JSON object.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy
import torch

from spacy_transfer.util import load_english


def read_texts(data_dir: Path, n_words: int, doc_words: int):
    """Docs of about doc_words words (whole paragraphs), taken evenly from every novel."""
    files = sorted((data_dir / "gutenberg_litbank_corpus" / "texts").glob("*.txt"))
    per_file = n_words // len(files) + 1
    texts, total = [], 0
    for f in files:
        paras = [" ".join(p.split()) for p in f.read_text(encoding="utf8").split("\n\n") if p.strip()]
        taken, buf, buf_words = 0, [], 0
        for p in paras[5:]:  # skip title pages
            buf.append(p)
            buf_words += len(p.split())
            if buf_words >= doc_words:
                texts.append("\n\n".join(buf))
                taken += buf_words
                buf, buf_words = [], 0
                if taken >= per_file:
                    break
        total += taken
    return texts, total


def add_text_options(parser: argparse.ArgumentParser, words: int, doc_words: int) -> None:
    """The options every benchmark over the Gutenberg texts takes: --data, --words, --doc-words, --repeats."""
    parser.add_argument("--data", default=default_data_dir())
    parser.add_argument("--words", type=int, default=words)
    parser.add_argument("--doc-words", type=int, default=doc_words)
    parser.add_argument("--repeats", type=int, default=3)


def sample_texts(args: argparse.Namespace) -> Tuple[List[str], int]:
    """About --words words of texts of --doc-words, taken across all the novels (read_texts takes at least one
    text from each), and their number of words."""
    texts, _ = read_texts(Path(args.data), args.words, args.doc_words)
    sample, n_words = [], 0
    for text in texts[:: max(1, len(texts) * args.doc_words // args.words)]:
        sample.append(text)
        n_words += len(text.split())
        if n_words >= args.words:
            break
    return sample, n_words


def straightforward_clusters(coref, doc):
    """Clusters from the unsplit networks on the full inputs (the reference path)."""
    from spacy_transfer.layers.torch import get_torch_module
    from spacy_transfer.neuralcoref.clustering import build_clusters, decide_antecedents

    feats = coref.featurize(doc)
    if feats.n_mentions == 0:
        return []
    module = get_torch_module(coref.model)
    with torch.no_grad():
        single = module.single(torch.from_numpy(feats.single_input())).numpy()
        pair = (
            module.pair(torch.from_numpy(feats.pair_input())).numpy() if len(feats.ant) else numpy.zeros(0, "float32")
        )
    best = decide_antecedents(single, pair, feats.ant, feats.men, coref.cfg["greedyness"])
    return [[tuple(feats.spans[i]) for i in members] for members, _ in build_clusters(best, feats.types)]


def encoder_dtype(nlp) -> str:
    """What the coref encoder predicts in on this machine (inference_dtype "auto" depends on the CPU)."""
    from spacy_transfer.layers.precision import resolve_inference_dtype

    tok2vec = nlp.get_pipe("coref").model.get_ref("tok2vec")
    return resolve_inference_dtype(tok2vec.attrs.get("inference_dtype", "float32"))


def coref_cpu_time(
    texts, n_words: int, contenders: Dict[str, Tuple[str, dict]], repeats: int, batch_docs: int = 2
) -> dict:
    """en_core_web_sm vs en_core_web_sm + coref, for each contender (name -> (weights, coref config)): CPU
    seconds, alternating, best of `repeats`.

    All pipelines alternate every `batch_docs` docs, not once per pass: this machine's speed drifts within
    seconds (other tenants of the host), and a drift then weighs on every side of a pass alike. Each pass's own
    ratios are reported too, so the spread is visible."""
    torch.set_num_threads(1)
    pipelines = {"base": load_english()}
    for name, (weights, config) in contenders.items():
        pipelines[name] = load_english()
        pipelines[name].add_pipe("coref", config={**config, "weights": weights})
    for nlp in pipelines.values():
        list(nlp.pipe(texts))  # loads weights and fills the vocab: a first pass is slower for the base pipeline
    batches = [texts[i : i + batch_docs] for i in range(0, len(texts), batch_docs)]
    best = {key: float("inf") for key in pipelines}
    passes = []
    for _ in range(repeats):
        spent = {key: 0.0 for key in pipelines}
        for batch in batches:
            for key, nlp in pipelines.items():
                start = time.process_time()
                for _ in nlp.pipe(batch):
                    pass
                spent[key] += time.process_time() - start
        passes.append(spent)
        for key in best:
            best[key] = min(best[key], spent[key])
    base = pipelines["base"]
    results = {}
    for name, (weights, config) in contenders.items():
        results[name] = {
            "with_coref_words_per_cpu_s": round(n_words / best[name]),
            "ratio": round(best["base"] / best[name], 3),
            "ratio_per_pass": [round(spent["base"] / spent[name], 3) for spent in passes],
            "coref_weights": weights,
            "coref_config": config,
            "coref_encoder_dtype": encoder_dtype(pipelines[name]),
        }
    return {
        "measure": f"CPU time (time.process_time), torch threads 1, alternating every {batch_docs} docs, "
        f"best of {repeats}",
        "cpu": cpu_name(),
        "pipeline": f"{base.meta['lang']}_{base.meta['name']}",
        "docs": len(texts),
        "words": n_words,
        "base_words_per_cpu_s": round(n_words / best["base"]),
        **(results["coref"] if list(results) == ["coref"] else {"contenders": results}),
    }


def cpu_name() -> str:
    """The processor's model name (Linux), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def default_data_dir() -> str:
    """$SPACY_TRANSFER_DATA, else the shared datasets beside the checkout."""
    return os.environ.get(
        "SPACY_TRANSFER_DATA", str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
    )


def main():
    parser = argparse.ArgumentParser()
    add_text_options(parser, words=50000, doc_words=800)
    parser.add_argument("--check-docs", type=int, default=0, help="docs to compare with the unsplit path (0: all)")
    parser.add_argument("--component", choices=("neuralcoref", "coref"), default="neuralcoref")
    parser.add_argument("--weights", default="coref-en", help="coref head weights (name or dir)")
    parser.add_argument("--pipe-config", default="{}", help="more coref settings, as JSON")
    parser.add_argument(
        "--contenders",
        default="",
        help='JSON {name: {"weights": ..., "config": {...}}}: several coref pipelines, all alternating with '
        "en_core_web_sm in one process (instead of --weights / --pipe-config)",
    )
    args = parser.parse_args()
    texts, n_words = read_texts(Path(args.data), args.words, args.doc_words)
    if args.component == "coref":
        if args.contenders:
            contenders = {k: (v["weights"], v.get("config", {})) for k, v in json.loads(args.contenders).items()}
        else:
            contenders = {"coref": (args.weights, json.loads(args.pipe_config))}
        print(json.dumps(coref_cpu_time(texts, n_words, contenders, args.repeats), indent=2))
        return

    nlp = load_english()
    name = f"{nlp.meta['lang']}_{nlp.meta['name']}"
    nlp("warm up")
    t0 = time.perf_counter()
    base_docs = list(nlp.pipe(texts))
    base_s = time.perf_counter() - t0
    n_tokens = sum(len(d) for d in base_docs)

    nlp2 = load_english()
    nlp2.add_pipe("neuralcoref")
    nlp2("My sister has a dog. She loves him.")
    t0 = time.perf_counter()
    docs = list(nlp2.pipe(texts))
    coref_s = time.perf_counter() - t0

    coref = nlp2.get_pipe("neuralcoref")
    t0 = time.perf_counter()
    for d in base_docs:
        coref(d)
    coref_only_s = time.perf_counter() - t0

    same = True
    n_clusters = 0
    for doc in docs[: args.check_docs or None]:
        fast = [[(m.start, m.end) for m in c] for c in doc._.coref_clusters]
        n_clusters += len(fast)
        slow = straightforward_clusters(coref, doc)
        # Same mentions per cluster; the coref format orders mentions that start together outer first.
        same &= [sorted(c) for c in fast] == [sorted(tuple(map(int, s)) for s in c) for c in slow]
    print(
        json.dumps(
            {
                "pipeline": name,
                "docs": len(texts),
                "words": n_words,
                "tokens": n_tokens,
                "base_words_per_s": round(n_words / base_s),
                "with_coref_words_per_s": round(n_words / coref_s),
                "ratio": round(base_s / coref_s, 3),
                "coref_component_only_words_per_s": round(n_words / coref_only_s),
                "identical_clusters_to_straightforward_path": bool(same),
                "docs_checked": len(docs[: args.check_docs or None]),
                "clusters_checked": n_clusters,
                "torch_threads": torch.get_num_threads(),
                "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.processor() or 'cpu'}",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
