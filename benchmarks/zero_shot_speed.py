"""Docs/s of zero_shot_classifier (NLI backend) vs transformers' ZeroShotClassificationPipeline.

Both run the same local NLI model on the same texts with the same candidate
labels; the script checks that the scores agree and prints one JSON object.

No pretrained NLI model is available offline, so the model is built here:
  --model minilm  (default) BertForSequenceClassification with the packaged MiniLM-L6
                  encoder weights and a random 3-way NLI head: real size and compute;
  --model tiny    a 2-layer, 32-wide random BERT (measures overheads only).
Texts: Banking77 train utterances from $SPACY_TRANSFER_DATA (or --data-dir) when
present, otherwise generated sentences. Labels: 10 intent phrases.

Run: python benchmarks/zero_shot_speed.py [--n-docs 200] [--model minilm|tiny]
"""

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

# fmt: off
LABELS = [
    "card arrival", "exchange rate", "lost or stolen card", "top up failed", "transfer fee charged",
    "pin blocked", "cash withdrawal charge", "refund not showing up", "change pin", "declined card payment",
]
WORDS = ["my", "card", "payment", "was", "declined", "when", "i", "tried", "to", "top", "up", "the", "app",
         "transfer", "money", "abroad", "why", "is", "there", "a", "fee", "on", "this", "exchange", "rate"]
# fmt: on


def load_texts(data_dir: Path, n: int) -> tuple:
    path = data_dir / "banking77" / "train.csv"
    if path.is_file():
        with path.open(encoding="utf8", newline="") as f:
            texts = [row["text"] for row in csv.DictReader(f)]
        random.Random(0).shuffle(texts)
        return texts[:n], str(path)
    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))) for _ in range(n)], "generated"


def build_model(kind: str, path: Path) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    id2label = {0: "contradiction", 1: "neutral", 2: "entailment"}
    torch.manual_seed(0)
    if kind == "minilm":
        from spacy_transfer.zero_shot_classifier.io import default_embedding_model_path

        source = default_embedding_model_path()
        model = BertForSequenceClassification.from_pretrained(
            str(source), num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()}
        )
        BertTokenizer.from_pretrained(str(source)).save_pretrained(str(path))
    else:
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(WORDS + " ".join(LABELS).split()))
        BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, model_max_length=128).save_pretrained(str(path))
        config = BertConfig(
            vocab_size=len(vocab),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
            id2label=id2label,
            label2id={v: k for k, v in id2label.items()},
        )
        model = BertForSequenceClassification(config)
    model.eval().save_pretrained(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-docs", type=int, default=200)
    parser.add_argument("--model", choices=["minilm", "tiny"], default="minilm")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per forward pass (ours and batched HF)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both")
    root = Path(__file__).resolve().parent.parent
    default_data = os.environ.get("SPACY_TRANSFER_DATA", str(root.parent / "shared" / "datasets"))
    parser.add_argument("--data-dir", type=Path, default=Path(default_data))
    args = parser.parse_args()

    import spacy
    import torch
    import transformers
    from transformers import pipeline

    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    texts, source = load_texts(args.data_dir, args.n_docs)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_model(args.model, Path(tmp) / "nli")
        hf = pipeline("zero-shot-classification", model=str(model_dir), tokenizer=str(model_dir), device=-1)
        nlp = spacy.blank("en")
        config = {"labels": LABELS, "backend": "nli", "model": str(model_dir), "batch_size": args.batch_size}
        nlp.add_pipe("zero_shot_classifier", config=config).initialize()
        # Warm-up (first-call overheads) on a few texts for both.
        hf(texts[:2], candidate_labels=LABELS)
        list(nlp.pipe(texts[:2]))

        results = {}
        start = time.perf_counter()
        hf_out = hf(texts, candidate_labels=LABELS)
        results["transformers_pipeline"] = time.perf_counter() - start
        start = time.perf_counter()
        hf_batched = hf(texts, candidate_labels=LABELS, batch_size=args.batch_size)
        results["transformers_pipeline_batched"] = time.perf_counter() - start
        start = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=256))
        results["zero_shot_classifier"] = time.perf_counter() - start

    max_diff = 0.0
    for out, out_b, doc in zip(hf_out, hf_batched, docs):
        for label, score in zip(out["labels"], out["scores"]):
            max_diff = max(max_diff, abs(score - doc.cats[label]))
        for label, score in zip(out_b["labels"], out_b["scores"]):
            max_diff = max(max_diff, abs(score - doc.cats[label]))
    dps = {name: len(texts) / seconds for name, seconds in results.items()}
    report = {
        "benchmark": "zero_shot_speed",
        "model": args.model,
        "n_docs": len(texts),
        "n_labels": len(LABELS),
        "texts": source,
        "torch_threads": args.threads,
        "batch_size": args.batch_size,
        "docs_per_second": {k: round(v, 2) for k, v in dps.items()},
        "speedup_vs_pipeline": round(dps["zero_shot_classifier"] / dps["transformers_pipeline"], 2),
        "speedup_vs_pipeline_batched": round(dps["zero_shot_classifier"] / dps["transformers_pipeline_batched"], 2),
        "max_abs_score_diff": float(max_diff),
        "scores_equal_1e-5": bool(max_diff <= 1e-5),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores".strip(),
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "python": sys.version.split()[0],
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
