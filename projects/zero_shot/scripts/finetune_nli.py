"""Fine-tune a sequence-classification NLI head on NLI data the user provides.

Input: JSON lines {"premise": str, "hypothesis": str, "label": str} (the format of
shared/datasets/nli_eval). The label names become config.id2label, so the saved
model works with the zero_shot_classifier's "nli" backend as it is. The base
model is any local BERT-like encoder directory (default: the packaged MiniLM);
its weights start the encoder, the classification head starts random.

Output: a save_pretrained directory (config.json, model.safetensors, tokenizer).
"""

import json
import random
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

sys.path.insert(0, str(Path(__file__).parent))


def read_nli(path: Path, limit: int = 0) -> List[dict]:
    rows = []
    with path.open(encoding="utf8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                rows.append({"premise": row["premise"], "hypothesis": row["hypothesis"], "label": row["label"]})
    return rows[:limit] if limit else rows


def label_order(labels: List[str]) -> List[str]:
    """Contradiction first and entailment last for 3-way data (the MNLI convention)."""
    known = ["contradiction", "neutral", "entailment", "not_entailment"]
    present = sorted(set(labels), key=lambda l: (known.index(l) if l in known else len(known), l))
    if "entailment" not in present:
        raise ValueError(f"NLI data needs an 'entailment' label; found {present}")
    return present


def main(
    train: Path = typer.Argument(..., help="NLI JSON lines to train on"),
    output_dir: Path = typer.Argument(..., help="Where to save the fine-tuned model"),
    base_model: Optional[str] = typer.Option(None, help="Local encoder directory (default: packaged MiniLM)"),
    epochs: int = typer.Option(1),
    batch_size: int = typer.Option(32),
    learning_rate: float = typer.Option(1e-4),
    max_length: int = typer.Option(128),
    limit: int = typer.Option(0, help="Use only the first N examples (0 = all)"),
    seed: int = typer.Option(0),
    threads: int = typer.Option(2, help="torch CPU threads"),
) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from spacy_transfer.zero_shot_classifier.io import default_embedding_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    base = base_model or str(default_embedding_model_path())
    rows = read_nli(train, limit)
    labels = label_order([row["label"] for row in rows])
    id2label = dict(enumerate(labels))
    label2id = {label: i for i, label in id2label.items()}
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=id2label, label2id=label2id, local_files_only=True
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    n_steps = epochs * ((len(rows) + batch_size - 1) // batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * n_steps), n_steps)
    rng = random.Random(seed)
    model.train()
    step, start = 0, time.perf_counter()
    for epoch in range(epochs):
        order = list(range(len(rows)))
        rng.shuffle(order)
        for i in range(0, len(order), batch_size):
            batch = [rows[k] for k in order[i : i + batch_size]]
            inputs = tokenizer(
                [r["premise"] for r in batch],
                [r["hypothesis"] for r in batch],
                truncation="only_first",
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            target = torch.tensor([label2id[r["label"]] for r in batch])
            loss = torch.nn.functional.cross_entropy(model(**inputs).logits, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0 or step == n_steps:
                typer.echo(
                    f"epoch {epoch} step {step}/{n_steps} loss {loss.item():.4f} {time.perf_counter() - start:.0f}s"
                )
    model.eval()
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(output_dir))
    tokenizer.save_pretrained(str(output_dir))
    meta = {"base_model": base, "train": str(train), "n_train": len(rows), "epochs": epochs, "labels": labels}
    (output_dir / "finetune_meta.json").write_text(json.dumps(meta, indent=2), encoding="utf8")
    typer.echo(f"Saved NLI model to {output_dir}")


if __name__ == "__main__":
    typer.run(main)
