"""Choose the embedding backend's template and fit its temperature and threshold on DEV data only.

Dev data: CLINC150 `val` and a fixed 10% of Banking77 `train` (see zs_data.py).
Test splits are never read here.

- template: the candidate with the best mean dev accuracy over the two datasets;
- temperature T: minimises the dev negative log-likelihood of softmax(cos / T)
  (single-label), by grid search over log-spaced values then a finer grid;
- threshold t: with T fixed, minimises the dev binary log-loss of
  sigmoid((cos - t) / T) over all (utterance, label) pairs, gold label = 1
  (multi-label mode).
"""

import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy
import typer

sys.path.insert(0, str(Path(__file__).parent))
from zs_data import DATASETS, label_map, load_split  # noqa: E402

DEFAULT_TEMPLATES = ["{}", "This example is {}.", "This text is about {}.", "The customer asks about {}."]


def log_softmax(x: numpy.ndarray) -> numpy.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_nll(sims: numpy.ndarray, gold: numpy.ndarray, temperature: float) -> float:
    return float(-log_softmax(sims / temperature)[numpy.arange(len(gold)), gold].mean())


def binary_logloss(sims: numpy.ndarray, gold: numpy.ndarray, temperature: float, threshold: float) -> float:
    z = (sims - threshold) / temperature
    target = numpy.zeros_like(sims)
    target[numpy.arange(len(gold)), gold] = 1.0
    # log(1 + exp(-z)) for positives, log(1 + exp(z)) for negatives, computed stably.
    loss = numpy.logaddexp(0.0, -z) * target + numpy.logaddexp(0.0, z) * (1 - target)
    return float(loss.mean())


def expected_calibration_error(probs: numpy.ndarray, gold: numpy.ndarray, n_bins: int = 15) -> float:
    confidence = probs.max(axis=-1)
    correct = probs.argmax(axis=-1) == gold
    bins = numpy.minimum((confidence * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def fit_1d(loss, low: float, high: float, log: bool = True) -> float:
    """Grid search, then a 10x finer grid around the best point."""
    grid = numpy.geomspace(low, high, 60) if log else numpy.linspace(low, high, 60)
    best = min(grid, key=loss)
    i = int(numpy.argmin(numpy.abs(grid - best)))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    fine = numpy.linspace(lo, hi, 61)
    return float(min(fine, key=loss))


def main(
    data_dir: Path = typer.Argument(..., help="Folder holding clinc150/ and banking77/"),
    output: Path = typer.Argument(..., help="Where to write the calibration JSON"),
    model: Optional[str] = typer.Option(
        None, help="Local sentence-embedding model, or mpnet-base once downloaded (default: packaged MiniLM)"
    ),
    templates: List[str] = typer.Option(DEFAULT_TEMPLATES, "--template", help="Candidate templates"),
    batch_size: int = typer.Option(64),
) -> None:
    from spacy_transfer.layers.packaged_encoders import is_packaged_encoder, packaged_encoder_path
    from spacy_transfer.zero_shot_classifier.io import default_embedding_model_path
    from spacy_transfer.zero_shot_classifier.torch_model import EmbeddingBackend

    path = packaged_encoder_path(model) if is_packaged_encoder(model) else model or default_embedding_model_path()
    backend = EmbeddingBackend(path, batch_size=batch_size)
    data = {}
    for dataset in DATASETS:
        pairs, intents = load_split(data_dir, dataset, "dev")
        phrases = label_map(intents)
        index = {intent: i for i, intent in enumerate(intents)}
        doc_vectors = backend.embed([text for text, _ in pairs])
        gold = numpy.asarray([index[intent] for _, intent in pairs])
        data[dataset] = (doc_vectors, gold, [phrases[i] for i in intents])
        typer.echo(f"{dataset}: {len(pairs)} dev utterances, {len(intents)} labels")
    per_template: Dict[str, Dict[str, float]] = {}
    sims_by_template = {}
    for template in templates:
        accs = {}
        sims_by_template[template] = {}
        for dataset, (vectors, gold, labels) in data.items():
            label_vectors = backend.embed([template.format(label) for label in labels])
            sims = vectors @ label_vectors.T
            sims_by_template[template][dataset] = sims
            accs[dataset] = float((sims.argmax(-1) == gold).mean())
        accs["mean"] = float(numpy.mean([accs[d] for d in DATASETS]))
        per_template[template] = accs
        typer.echo(f"template {template!r}: {accs}")
    template = max(per_template, key=lambda t: per_template[t]["mean"])
    sims_list = [sims_by_template[template][d] for d in DATASETS]
    golds = [data[d][1] for d in DATASETS]

    def pooled_nll(t: float) -> float:
        return float(numpy.mean([softmax_nll(s, g, t) for s, g in zip(sims_list, golds)]))

    temperature = fit_1d(pooled_nll, 0.002, 1.0)

    def pooled_binary(th: float) -> float:
        return float(numpy.mean([binary_logloss(s, g, temperature, th) for s, g in zip(sims_list, golds)]))

    threshold = fit_1d(pooled_binary, -0.5, 1.0, log=False)
    report = {
        "split": "dev (CLINC150 val; Banking77 10% of train, seed 0)",
        "model": str(backend.path),
        "templates": per_template,
        "template": template,
        "temperature": round(temperature, 5),
        "threshold": round(threshold, 5),
        "dev": {},
    }
    for dataset, sims, gold in zip(DATASETS, sims_list, golds):
        probs = numpy.exp(log_softmax(sims / temperature))
        report["dev"][dataset] = {
            "accuracy": float((sims.argmax(-1) == gold).mean()),
            "nll": softmax_nll(sims, gold, temperature),
            "nll_at_T1": softmax_nll(sims, gold, 1.0),
            "ece": expected_calibration_error(probs, gold),
            "binary_logloss": binary_logloss(sims, gold, temperature, threshold),
        }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2), encoding="utf8")
    typer.echo(json.dumps(report, indent=2))


if __name__ == "__main__":
    typer.run(main)
