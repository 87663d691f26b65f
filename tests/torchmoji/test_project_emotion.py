"""projects/emotion end to end on the tiny CPU test config (slow)."""

import shutil
from pathlib import Path

import numpy
import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from ..helpers import dataset, macro_f1

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_torchmoji_project_emotion(datasets, tmp_path):
    from spacy.cli.project.run import project_run

    dataset("goemotions", "original", "train.tsv")
    project = tmp_path / "emotion"
    shutil.copytree(ROOT / "projects" / "emotion", project)
    overrides = {
        "vars.data_dir": str(datasets),
        "vars.config": str(ROOT / "configs" / "test" / "torchmoji.cfg"),
        "vars.max_steps": 20,
        "vars.package_dir": str(tmp_path / "weights"),
    }
    project_run(project, "all", overrides=overrides, capture=True)
    metrics = srsly.read_json(project / "metrics" / "goemotions_test.json")
    assert metrics["n_test"] == 5427
    config = srsly.read_json(tmp_path / "weights" / "config.json")
    labels = config["labels"]
    assert len(labels) == 28 and sorted(config["thresholds"]) == sorted(labels)
    # Recomputed here from the shipped scores and thresholds: each label at or above its threshold, else the top one.
    nlp = spacy.blank("en")
    nlp.add_pipe("torchmoji", config={"model": {"name": str(tmp_path / "weights")}})
    gold_docs = list(DocBin().from_disk(project / "corpus" / "test.spacy").get_docs(nlp.vocab))
    gold = numpy.asarray([[doc.cats[label] >= 0.5 for label in labels] for doc in gold_docs])
    probs = numpy.asarray([[doc.cats[label] for label in labels] for doc in nlp.pipe(d.text for d in gold_docs)])
    pred = probs >= numpy.asarray([config["thresholds"][label] for label in labels])
    none = ~pred.any(axis=1)
    pred[none, probs[none].argmax(axis=1)] = True
    assert metrics["tuned_thresholds"]["macro_f1_28"] == pytest.approx(macro_f1(gold, pred), abs=1e-4)
