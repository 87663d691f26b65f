"""Evaluate the packaged torchmoji weights on GoEmotions test: macro-F1 over the 28
labels (thresholds tuned on dev, and a flat 0.5) and Ekman-7 macro-F1."""

from pathlib import Path

import numpy
import spacy
import srsly
import typer
from spacy.tokens import DocBin

from spacy_transfer.torchmoji.training import EKMAN_MAPPING, score_label_sets, to_ekman


def main(
    weights_dir: Path = typer.Argument(..., help="packaged weights directory"),
    test_path: Path = typer.Argument(..., help="test .spacy"),
    output: Path = typer.Argument(..., help="metrics JSON"),
) -> None:
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("torchmoji", config={"model": {"name": str(weights_dir.resolve())}})
    labels = list(pipe.labels)
    docs = list(DocBin().from_disk(test_path).get_docs(nlp.vocab))
    gold = [[label for label in labels if d.cats[label] >= 0.5] for d in docs]
    predicted = list(nlp.pipe([d.text for d in docs], batch_size=256))
    tuned = [[label for label, _ in doc._.emotions] for doc in predicted]
    flat = []
    for doc in predicted:
        chosen = [label for label in labels if doc.cats[label] >= 0.5]
        flat.append(chosen or [max(labels, key=lambda l: doc.cats[l])])
    result = {"n_test": len(docs)}
    for name, pred in (("tuned_thresholds", tuned), ("threshold_0.5", flat)):
        scores = score_label_sets(gold, pred, labels)
        ekman = score_label_sets([to_ekman(g) for g in gold], [to_ekman(p) for p in pred],
                                 sorted(EKMAN_MAPPING))  # fmt: skip
        result[name] = {
            "macro_f1_28": round(scores["macro_f"], 4),
            "micro_f1_28": round(scores["micro_f"], 4),
            "macro_f1_ekman7": round(ekman["macro_f"], 4),
            "micro_f1_ekman7": round(ekman["micro_f"], 4),
            "f1_per_label": {k: round(v["f"], 3) for k, v in scores["f_per_type"].items()},
            "f1_per_ekman": {k: round(v["f"], 3) for k, v in ekman["f_per_type"].items()},
        }
    srsly.write_json(output, result)
    for name in ("tuned_thresholds", "threshold_0.5"):
        r = result[name]
        print(f"{name}: macro-F1 28 = {r['macro_f1_28']:.3f}, Ekman-7 = {r['macro_f1_ekman7']:.3f}")


if __name__ == "__main__":
    typer.run(main)
