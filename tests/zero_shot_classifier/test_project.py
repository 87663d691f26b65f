"""Tests of the projects/zero_shot workflow scripts."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import spacy

from tests.helpers import dataset

PROJECT_DIR = Path(__file__).resolve().parents[2] / "projects" / "zero_shot"

# Hand-written NLI pairs (tiny-vocabulary words only), not dataset text.
# fmt: off
NLI_ROWS = [
    {"premise": "the team won the game", "hypothesis": "this example is sports.", "label": "entailment"},
    {"premise": "the team won the game", "hypothesis": "this example is weather.", "label": "contradiction"},
    {"premise": "it will rain tomorrow", "hypothesis": "this example is weather.", "label": "entailment"},
    {"premise": "it will rain tomorrow", "hypothesis": "this example is about money.", "label": "neutral"},
    {"premise": "my card was declined", "hypothesis": "this example is banking.", "label": "entailment"},
    {"premise": "my card was declined", "hypothesis": "this example is cooking.", "label": "contradiction"},
]
# fmt: on


def load_script(name: str):
    """Import a project script as a module (the scripts folder is not a package)."""
    sys.path.insert(0, str(PROJECT_DIR / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(f"zero_shot_{name}", PROJECT_DIR / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


def test_zero_shot_finetune_nli_workflow(tiny_nli_path, tmp_path):
    """finetune_nli.py writes a model that the 'nli' backend loads with the data's label names."""
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(json.dumps(row) for row in NLI_ROWS) + "\n", encoding="utf8")
    out = tmp_path / "nli_model"
    finetune_nli = load_script("finetune_nli")
    finetune_nli.main(
        train, out, base_model=str(tiny_nli_path), epochs=2, batch_size=3, learning_rate=1e-4,
        max_length=64, limit=0, seed=0, threads=1,
    )  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "contradiction", "1": "neutral", "2": "entailment"}
    nlp = spacy.blank("en")
    nlp.add_pipe("zero_shot_classifier", config={"backend": "nli", "model": str(out), "labels": ["sports", "weather"]})
    doc = nlp("the team won the game")
    assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    # Two-way data too (SciTail's labels): neutral and contradiction count as not_entailment.
    two_way = tmp_path / "two_way.jsonl"
    rows_2way = [
        {**row, "label": row["label"] if row["label"] == "entailment" else "not_entailment"} for row in NLI_ROWS
    ]
    two_way.write_text("\n".join(json.dumps(row) for row in rows_2way) + "\n", encoding="utf8")
    report = tmp_path / "nli.json"
    load_script("evaluate_nli").main(out, report, [train, two_way], batch_size=4, limit=0)
    results = json.loads(report.read_text())
    # The script batches, sorts and pads; transformers' own tokenizer and model, one batch, must agree.
    predicted = direct_nli_predictions(out, NLI_ROWS)
    expected = sum(p == row["label"] for p, row in zip(predicted, NLI_ROWS)) / len(NLI_ROWS)
    assert results[str(train)] == {"n": 6, "accuracy": pytest.approx(expected)}
    predicted = ["entailment" if p == "entailment" else "not_entailment" for p in predicted]
    expected = sum(p == row["label"] for p, row in zip(predicted, rows_2way)) / len(rows_2way)
    assert results[str(two_way)] == {"n": 6, "accuracy": pytest.approx(expected)}


def direct_nli_predictions(model_dir: Path, rows) -> list:
    """The predicted label of each (premise, hypothesis) row, straight from transformers."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir)).eval()
    inputs = tokenizer([r["premise"] for r in rows], [r["hypothesis"] for r in rows], padding=True, return_tensors="pt")
    with torch.no_grad():
        best = model(**inputs).logits.argmax(-1).tolist()
    return [model.config.id2label[i] for i in best]


def test_zero_shot_label_phrases_and_dev_split(datasets):
    zs_data = load_script("zs_data")
    label_phrase, load_split = zs_data.label_phrase, zs_data.load_split
    assert label_phrase("card_payment_wrong_exchange_rate") == "card payment wrong exchange rate"
    dataset("banking77", "train.csv")
    dev, intents = load_split(datasets, "banking77", "dev")
    test, _ = load_split(datasets, "banking77", "test")
    assert len(intents) == 77 and len(dev) == 1000
    # The dev split comes from train and is fixed across runs.
    assert dev == load_split(datasets, "banking77", "dev")[0]
    assert not set(dev) & set(test)


@pytest.mark.slow
def test_zero_shot_project_evaluate(datasets, tmp_path):
    from spacy.cli.project.run import project_run

    overrides = {
        "vars.data_dir": str(datasets),
        "vars.split": "dev",
        "vars.stride": 50,
        "vars.metrics_dir": str(tmp_path / "metrics"),
    }
    project_run(PROJECT_DIR, "evaluate", overrides=overrides, force=True)
    summary = (tmp_path / "metrics" / "dev" / "summary.md").read_text()
    assert "clinc150" in summary and "banking77" in summary
    report = json.loads((tmp_path / "metrics" / "dev" / "banking77_embedding.json").read_text())
    assert report["n"] == 20 and report["accuracy"] > 0.3
