"""Zero-shot intent accuracy of the zero_shot_classifier on CLINC150 / Banking77.

No training on the datasets: the labels are the intent names turned into
phrases ('card_declined' -> 'card declined'). Runs the real spaCy component
(spacy.blank('en') + add_pipe('zero_shot_classifier')) and writes a JSON report.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy
import typer

sys.path.insert(0, str(Path(__file__).parent))
from zs_data import DATASETS, label_map, load_split  # noqa: E402


def macro_f1(gold: numpy.ndarray, pred: numpy.ndarray, n_labels: int) -> float:
    f1s = []
    for label in range(n_labels):
        tp = numpy.sum((pred == label) & (gold == label))
        fp = numpy.sum((pred == label) & (gold != label))
        fn = numpy.sum((pred != label) & (gold == label))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(numpy.mean(f1s))


def evaluate(
    data_dir: Path,
    dataset: str,
    *,
    split: str = "test",
    backend: str = "embedding",
    model: Optional[str] = None,
    template: Optional[str] = None,
    depth: Optional[int] = None,
    batch_size: int = 64,
    limit: int = 0,
    stride: int = 1,
) -> Dict[str, Any]:
    """Run the component on one dataset split and return the report."""
    import spacy

    pairs, intents = load_split(data_dir, dataset, split)
    pairs = pairs[::stride]  # every stride-th utterance: a subset that keeps all intents
    if limit:
        pairs = pairs[:limit]
    phrases = label_map(intents)
    labels = [phrases[intent] for intent in intents]
    config = {"labels": labels, "backend": backend, "model": model or None, "batch_size": batch_size}
    if template:
        config["hypothesis_template"] = template
    if depth:
        config["depth"] = depth
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("zero_shot_classifier", config=config)
    pipe.initialize()  # load the model before timing
    start = time.perf_counter()
    docs = list(nlp.pipe((text for text, _ in pairs), batch_size=256))
    seconds = time.perf_counter() - start
    index = {label: i for i, label in enumerate(labels)}
    gold = numpy.asarray([index[phrases[intent]] for _, intent in pairs])
    probs = numpy.asarray([[doc.cats[label] for label in labels] for doc in docs])
    pred = probs.argmax(-1)
    return {
        "dataset": dataset,
        "split": split,
        "backend": backend,
        "model": str(pipe.model_path),
        "template": pipe.hypothesis_template,
        "depth": depth or "all",
        "n_labels": len(labels),
        "n": len(pairs),
        "subset": f"every {stride}th utterance, first {limit or 'all'}",
        "accuracy": float((pred == gold).mean()),
        "macro_f1": macro_f1(gold, pred, len(labels)),
        "top5_accuracy": float(numpy.mean([g in numpy.argsort(-p)[:5] for g, p in zip(gold, probs)])),
        "mean_confidence": float(probs.max(-1).mean()),
        "docs_per_second": len(pairs) / seconds,
    }


def main(
    data_dir: Path = typer.Argument(..., help="Folder holding clinc150/ and banking77/"),
    output_dir: Path = typer.Argument(..., help="Where to write <dataset>_<backend>.json and summary.md"),
    split: str = typer.Option("test", help="test (report) or dev (tuning)"),
    embedding_model: str = typer.Option(
        "", help="Local sentence-embedding model directory, or mpnet-base once downloaded ('' = packaged MiniLM)"
    ),
    nli_model: str = typer.Option("", help="Local NLI model directory ('' = skip the NLI backend)"),
    template: str = typer.Option("", help="Hypothesis template ('' = the backend's default)"),
    depth: int = typer.Option(0, help="Keep only the bottom N transformer layers (0 = all)"),
    datasets: List[str] = typer.Option(list(DATASETS), "--dataset", help="Datasets to run"),
    limit: int = typer.Option(0, help="Use only the first N utterances (0 = all), for quick checks"),
    stride: int = typer.Option(1, help="Use every N-th utterance (1 = all)"),
    nli_stride: int = typer.Option(1, help="Stride for the (slower) NLI backend"),
) -> None:
    runs = [("embedding", embedding_model or None)]
    if nli_model:
        runs.append(("nli", nli_model))
    else:
        typer.echo("No nli_model given: the NLI backend is skipped (no pretrained NLI model is available offline).")
    output_dir.mkdir(parents=True, exist_ok=True)
    rows = ["| dataset | split | backend | n | labels | accuracy | macro F1 | top-5 acc. | docs/s |", "|---" * 9 + "|"]
    for dataset in datasets:
        for backend, model in runs:
            report = evaluate(
                data_dir,
                dataset,
                split=split,
                backend=backend,
                model=model,
                template=template or None,
                depth=depth or None,
                limit=limit,
                stride=nli_stride if backend == "nli" else stride,
            )
            (output_dir / f"{dataset}_{backend}.json").write_text(json.dumps(report, indent=2), encoding="utf8")
            typer.echo(json.dumps(report, indent=2))
            rows.append(
                f"| {dataset} | {split} | {backend} | {report['n']} | {report['n_labels']} | "
                f"{100 * report['accuracy']:.1f}% | {100 * report['macro_f1']:.1f} | "
                f"{100 * report['top5_accuracy']:.1f}% | {report['docs_per_second']:.0f} |"
            )
    (output_dir / "summary.md").write_text("\n".join(rows) + "\n", encoding="utf8")
    typer.echo("\n".join(rows))


if __name__ == "__main__":
    typer.run(main)
