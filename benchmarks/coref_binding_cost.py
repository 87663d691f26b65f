"""What the `coref` component's `binding` constraint costs: the component with and without it, on the same docs
parsed once by en_core_web_sm (the parse is not timed: it is the pipeline's either way).

CPU time (time.process_time), one torch thread, the two contenders alternating doc by doc in one process, best of
--repeats passes each. Also the rule alone (`bound_pairs` over the parsed docs) in microseconds per word.

usage: python benchmarks/coref_binding_cost.py [--data DIR] [--words 10000] [--repeats 3]
Prints one JSON object.
"""

import argparse
import json
import time
from pathlib import Path

import torch
from coref_speed import cpu_name, default_data_dir, read_texts

from spacy_transfer.coref.binding import bound_pairs
from spacy_transfer.util import load_english


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=str, default=str(default_data_dir()))
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--doc-words", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts, n_words = read_texts(Path(args.data), args.words, args.doc_words)
    nlp = load_english()
    docs = list(nlp.pipe(texts))
    coref = nlp.add_pipe("coref")
    coref(docs[0].copy())  # load the weights outside the timing
    seconds = {"binding": [], "no_binding": []}
    for _ in range(args.repeats):
        spent = {name: 0.0 for name in seconds}
        for doc in docs:
            for name, binding in (("binding", True), ("no_binding", False)):
                coref.cfg["binding"] = binding
                copy = doc.copy()
                start = time.process_time()
                coref(copy)
                spent[name] += time.process_time() - start
        for name in seconds:
            seconds[name].append(spent[name])
    rule = []
    for _ in range(args.repeats):
        start = time.process_time()
        for doc in docs:
            bound_pairs(doc)
        rule.append(time.process_time() - start)
    best = {name: min(values) for name, values in seconds.items()}
    n_tokens = sum(len(doc) for doc in docs)
    print(
        json.dumps(
            {
                "cpu": cpu_name(),
                "torch_threads": 1,
                "docs": len(docs),
                "words": n_words,
                "tokens": n_tokens,
                "coref_words_per_cpu_second": {name: round(n_words / s, 1) for name, s in best.items()},
                "binding_over_no_binding": round(best["no_binding"] / best["binding"], 4),
                "bound_pairs_us_per_token": round(1e6 * min(rule) / n_tokens, 3),
                "timing": "CPU time, one torch thread, alternating doc by doc, best of %d" % args.repeats,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
