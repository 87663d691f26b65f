"""Export a trained torchmoji pipeline to the packaged weight format (float16
safetensors + vocabulary + config) and tune per-label thresholds on the dev set."""

from pathlib import Path

import numpy
import spacy
import srsly
import typer
from spacy.tokens import DocBin

from spacy_transfer.layers.torch import get_torch_module
from spacy_transfer.torchmoji.io import save_pretrained


def tune_thresholds(probs: numpy.ndarray, gold: numpy.ndarray, labels) -> dict:
    """Per label, the threshold in 0.05..0.95 with the best dev F1."""
    grid = numpy.arange(0.05, 0.96, 0.025)
    thresholds = {}
    for j, label in enumerate(labels):
        best, best_t = -1.0, 0.5
        for t in grid:
            pred = probs[:, j] >= t
            tp = float((pred & (gold[:, j] > 0.5)).sum())
            f1 = 2 * tp / max(pred.sum() + (gold[:, j] > 0.5).sum(), 1)
            if f1 > best:
                best, best_t = f1, float(round(t, 3))
        thresholds[label] = best_t
    return thresholds


def main(
    model_path: Path = typer.Argument(..., help="trained pipeline (training/model-best)"),
    dev_path: Path = typer.Argument(..., help="dev .spacy for threshold tuning"),
    output_dir: Path = typer.Argument(..., help="packaged weights directory"),
) -> None:
    nlp = spacy.load(model_path)
    pipe = nlp.get_pipe("torchmoji")
    model = pipe.model
    config = {
        "n_tokens": model.attrs["n_tokens"],
        "embed_width": model.attrs["embed_width"],
        "hidden_width": model.attrs["hidden_width"],
        "max_length": model.attrs["max_length"],
        "multi_label": model.attrs["multi_label"],
        "word_mapping": model.attrs.get("word_mapping", "spacy_tokens"),
        "labels": list(pipe.labels),
        "thresholds": {},
        "trained_on": "GoEmotions train (projects/emotion)",
    }
    state = get_torch_module(model).state_dict()
    save_pretrained(output_dir, state, model.attrs["vocab"], config, half=True)
    # Tune thresholds with the float16 weights as shipped.
    packed = spacy.blank("en")
    packed.add_pipe("torchmoji", config={"model": {"name": str(output_dir.resolve())}})
    docs = list(DocBin().from_disk(dev_path).get_docs(packed.vocab))
    gold = numpy.asarray([[d.cats[label] for label in pipe.labels] for d in docs])
    texts = [d.text for d in docs]
    probs = numpy.asarray([[d.cats[label] for label in pipe.labels] for d in packed.pipe(texts, batch_size=256)])
    config["thresholds"] = tune_thresholds(probs, gold, pipe.labels)
    srsly.write_json(output_dir / "config.json", config)
    size = sum(p.stat().st_size for p in output_dir.iterdir())
    print(f"Packaged to {output_dir} ({size / 1e6:.1f} MB); thresholds tuned on {len(docs)} dev docs")


if __name__ == "__main__":
    typer.run(main)
