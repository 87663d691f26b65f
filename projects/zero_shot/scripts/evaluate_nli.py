"""NLI accuracy of a local NLI model on JSON-lines NLI sets (e.g. MNLI dev-matched, SciTail test).

Three-way models on two-way data (entailment / not_entailment): neutral and
contradiction both count as not_entailment.
"""

import json
import sys
from pathlib import Path
from typing import List

import numpy
import typer

sys.path.insert(0, str(Path(__file__).parent))
from finetune_nli import read_nli  # noqa: E402


def main(
    model: Path = typer.Argument(..., help="Local NLI model directory"),
    output: Path = typer.Argument(..., help="Where to write the JSON report"),
    eval_files: List[Path] = typer.Argument(..., help="NLI JSON lines files"),
    batch_size: int = typer.Option(64),
    limit: int = typer.Option(0),
) -> None:
    from spacy_transfer.zero_shot_classifier.torch_model import NLIBackend

    backend = NLIBackend(model, batch_size=batch_size, max_length=128)
    id2label = {int(k): v.lower() for k, v in backend.model.config.id2label.items()}
    report = {"model": str(model)}
    for path in eval_files:
        rows = read_nli(path, limit)
        # One "document" per row with a single hypothesis: the backend batches all pairs.
        logits = backend.logits([r["premise"] for r in rows], [[r["hypothesis"]] for r in rows])
        pred = [id2label[int(numpy.argmax(l[0]))] for l in logits]
        gold = [r["label"].lower() for r in rows]
        if "not_entailment" in set(gold):
            pred = ["entailment" if p == "entailment" else "not_entailment" for p in pred]
        report[str(path)] = {"n": len(rows), "accuracy": float(numpy.mean([p == g for p, g in zip(pred, gold)]))}
        typer.echo(f"{path}: {report[str(path)]}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2), encoding="utf8")


if __name__ == "__main__":
    typer.run(main)
