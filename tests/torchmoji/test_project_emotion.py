"""projects/emotion end to end on the tiny CPU test config (slow)."""

import shutil
from pathlib import Path

import pytest
import srsly

from ..helpers import dataset

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
    for key in ("macro_f1_28", "macro_f1_ekman7"):
        assert 0.0 <= metrics["tuned_thresholds"][key] <= 1.0
    config = srsly.read_json(tmp_path / "weights" / "config.json")
    assert len(config["labels"]) == 28 and len(config["thresholds"]) == 28
