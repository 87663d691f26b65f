"""One long document through the `coref` component with its shipped weights: CPU time and peak memory.

usage: python benchmarks/coref_long_doc.py [--repeats 9100] [--weights coref-en-base]
       (9,100 x 11 tokens = 100,100 tokens; --weights: another packaged name or directory than coref-en)
Prints one JSON object. Peak RSS is the process's maximum; rss_before_mb is measured after loading.
"""

import argparse
import json
import resource
import time

import spacy
import torch
from coref_speed import encoder_dtype


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9100)
    parser.add_argument("--weights", default="coref-en")
    args = parser.parse_args()
    torch.set_num_threads(1)
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": args.weights})
    nlp("Warm up, she said.")
    nlp.max_length = 10**8
    text = " ".join(["Alice gave Bob her book because he had lost his ."] * args.repeats)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    doc = nlp(text)
    print(
        json.dumps(
            {
                "measure": "CPU time (time.process_time), torch threads 1; ru_maxrss",
                "weights": args.weights,
                "tokens": len(doc),
                "cpu_s": round(time.process_time() - start, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "rss_before_mb": round(before / 1024),
                "clusters": len(doc._.coref_clusters),
                "coref_encoder_dtype": encoder_dtype(nlp),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
