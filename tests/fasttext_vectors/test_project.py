"""projects/fasttext workflow on small settings (slow: trains small vectors on the Gutenberg corpus)."""

import json
import shutil
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import DocBin

from ..helpers import macro_f1

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_fasttext_project_workflow(tmp_path, datasets, monkeypatch):
    from spacy.cli.project.run import project_run

    # the project refers to ../../benchmarks and ../../configs: rebuild that layout in tmp_path
    project = tmp_path / "projects" / "fasttext"
    shutil.copytree(
        ROOT / "projects" / "fasttext",
        project,
        ignore=shutil.ignore_patterns("assets", "corpus", "training", "metrics"),
    )
    shutil.copytree(ROOT / "benchmarks", tmp_path / "benchmarks")
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    overrides = {
        "vars.data_dir": str(datasets),
        "vars.dim": 10,
        "vars.bucket": 20000,
        "vars.prune_buckets": 5000,
        "vars.config_dir": str(tmp_path / "configs" / "test"),
        "vars.max_epochs": 1,
    }
    for command in ("train-vectors", "export-vectors", "convert", "train-textcat", "evaluate"):
        project_run(project, command, overrides=overrides)
    meta = json.loads((project / "training" / "vectors" / "fasttext.json").read_text())
    assert meta["dim"] == 10 and meta["n_buckets"] <= 5000 and meta["dtype"] == "float16"
    scores = json.loads((project / "metrics" / "textcat_fasttext.json").read_text())
    # Recomputed here: the best model's argmax on the test split, per-label F1 averaged over the 77 intents.
    monkeypatch.chdir(project)  # the pipeline names its vectors by the project-relative path training/vectors
    nlp = spacy.load(project / "training" / "textcat" / "model-best")
    labels = list(nlp.get_pipe("textcat").labels)
    gold_docs = list(DocBin().from_disk(project / "corpus" / "test.spacy").get_docs(nlp.vocab))
    predicted = nlp.pipe([doc.text for doc in gold_docs])
    gold = [[doc.cats[label] for label in labels] for doc in gold_docs]
    pred = [[doc.cats[label] for label in labels] for doc in predicted]
    expected = macro_f1(numpy.eye(len(labels))[numpy.argmax(gold, 1)], numpy.eye(len(labels))[numpy.argmax(pred, 1)])
    assert len(labels) == 77 and scores["cats_macro_f"] == pytest.approx(expected)
    assert (project / "metrics" / "textcat_fasttext_typos.json").exists()
