"""The coref project workflow runs end to end on a tiny corpus with the CPU test config."""

import shutil
import sys
from pathlib import Path

import pytest
import srsly

ROOT = Path(__file__).resolve().parents[2]

# A hand-written CoNLL document (index, word, coref); two short "books".
CONLL = """#begin document (book_{n}); part 000
0\tAnna\t(0)
1\tbought\t-
2\ta\t(1
3\tbike\t1)
4\t.\t-

0\tShe\t(0)
1\trides\t-
2\tit\t(1)
3\tevery\t-
4\tday\t-
5\t.\t-

0\tThe\t(2
1\tfarmer\t2)
2\tsold\t-
3\this\t(2)|(3
4\tcow\t3)
5\tto\t-
6\ther\t(0)
7\t.\t-
#end document
"""


@pytest.mark.slow
def test_coref_project_finetune_and_package(tmp_path, en_nlp_base, coref_weights):
    from spacy.cli.project.run import project_run

    project = tmp_path / "coref"
    shutil.copytree(
        ROOT / "projects" / "coref", project, ignore=shutil.ignore_patterns("corpus", "training", "metrics", "packages")
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"book_{n}.conll").write_text(CONLL.format(n=n))
    (project / "corpus").mkdir()
    import subprocess

    for split in ("train", "dev", "test"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "spacy_transfer",
                "convert-coref",
                str(raw),
                str(project / "corpus" / f"litbank_{split}.spacy"),
            ],
            check=True,
        )
    base = f"{en_nlp_base.meta['lang']}_{en_nlp_base.meta['name']}"
    overrides = {"vars.config": str(ROOT / "configs" / "test" / "neuralcoref.cfg"), "vars.base_pipeline": base}
    project_run(project, "train-finetune", overrides=overrides)
    assert (project / "training" / "finetune" / "model-best" / "neuralcoref" / "model").is_file()
    project_run(project, "package", overrides=overrides)
    exported = project / "packages" / "neuralcoref-en-litbank"
    assert (exported / "weights.safetensors").is_file()
    assert srsly.read_json(exported / "cfg.json")["vectors_from"] == "neuralcoref-en"
