"""projects/fasttext workflow on small settings (slow: trains small vectors on the Gutenberg corpus)."""

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_fasttext_project_workflow(tmp_path, datasets):
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
    assert 0.0 <= scores["cats_macro_f"] <= 1.0
    assert (project / "metrics" / "textcat_fasttext_typos.json").exists()
