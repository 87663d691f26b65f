"""What the `coref` component's `binding` constraint costs: the component with and without it, on the same docs
parsed once by en_core_web_sm (the parse is not timed: it is the pipeline's either way).

CPU time (time.process_time), one torch thread, the two contenders alternating doc by doc in one process (each
going first on every other doc), best of --repeats passes each. Also the rule alone (`bound_pairs` over the parsed
docs) in microseconds per token.

usage: python benchmarks/coref_binding_cost.py [--data DIR] [--words 30000] [--repeats 3]
Prints one JSON object.
"""

import argparse
import json
import time

import torch
from coref_speed import add_text_options, cpu_name, sample_texts

from spacy_transfer.coref.word_clusters import bound_pairs
from spacy_transfer.util import load_english


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_text_options(parser, words=30_000, doc_words=800)
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts, n_words = sample_texts(args)
    nlp = load_english()
    docs = list(nlp.pipe(texts))
    coref = nlp.add_pipe("coref")
    coref(docs[0].copy())  # load the weights outside the timing
    seconds = {"binding": [], "no_binding": []}
    for _ in range(args.repeats):
        spent = {name: 0.0 for name in seconds}
        for i, doc in enumerate(docs):
            order = (("binding", True), ("no_binding", False))
            for name, binding in order if i % 2 == 0 else order[::-1]:  # neither always goes first
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
                "timing": "CPU time, one torch thread, alternating doc by doc (each first on every other doc), best of %d"
                % args.repeats,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
