"""`init-fasttext` export: round trip, float16, pruning, --max-words, CLI and bad options."""

import json
import subprocess
import sys

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from spacy_transfer.fasttext_vectors import commands
from spacy_transfer.fasttext_vectors.export import bucket_usage, export_fasttext, mean_cosine
from spacy_transfer.fasttext_vectors.io import load_fasttext, read_export
from spacy_transfer.fasttext_vectors.vectors import FastTextVectors

OOV = ["naïvely", "Straßen", "gardn", "mvoie", "teacherz", "flowerss", "😀😀", "beautifull", "mountian", "doctr"]


def _table(path):
    return FastTextVectors(load_fasttext(path), cache_size=0)


def test_fasttext_export_round_trip_exact(tiny_fasttext, tmp_path):
    path, ft = tiny_fasttext
    info = export_fasttext(path, tmp_path / "full")
    n_nonzero = int(np.count_nonzero(np.any(ft.get_input_matrix()[len(ft.get_words()) :] != 0, axis=1)))
    # all-zero buckets are dropped (a missing bucket is a zero row): lossless. How many buckets
    # are zero depends on fastText leaving unused rows uninitialised, so only equality is checked.
    assert info["n_words"] == len(ft.get_words()) and info["n_buckets"] == n_nonzero
    model = read_export(tmp_path / "full")
    assert isinstance(model.word_rows, np.memmap) and isinstance(model.bucket_rows, np.memmap)
    words = ft.get_words()[:50] + OOV
    ref = np.stack([ft.get_word_vector(w) for w in words])
    np.testing.assert_array_equal(_table(tmp_path / "full").compute(words), ref)
    # exporting an export again changes nothing
    export_fasttext(tmp_path / "full", tmp_path / "again")
    np.testing.assert_array_equal(_table(tmp_path / "again").compute(words), ref)


def test_fasttext_export_float16_pruned_max_words(tiny_fasttext, tmp_path):
    path, ft = tiny_fasttext
    full = _table(path)
    usage = bucket_usage(load_fasttext(path))
    n_used = int(np.count_nonzero(usage))  # the tiny vocabulary's n-grams touch a few hundred of 20000 buckets
    assert usage.shape == (20000,) and 100 < n_used < 5000
    small = export_fasttext(path, tmp_path / "small", dtype="float16", prune_buckets=n_used // 2, max_words=20)
    assert (small["n_words"], small["n_buckets"], small["dtype"]) == (20, n_used // 2, "float16")
    full_size = export_fasttext(path, tmp_path / "full")["bytes"]
    assert small["bytes"] < full_size / 5
    compact = _table(tmp_path / "small")
    assert compact.compute(["the"]).dtype == np.float32
    np.testing.assert_allclose(compact.compute(ft.get_words()[:20]), full.compute(ft.get_words()[:20]), atol=2e-3)
    # dropped words and OOV words are rebuilt from the most used half of the buckets: still close
    cos = mean_cosine(full, compact, OOV + ft.get_words()[20:60])
    print("mean cosine, half the used buckets, float16:", cos)
    assert cos > 0.7


def test_fasttext_export_keeps_all_used_buckets(tiny_fasttext, tmp_path):
    """Pruning to the buckets the vocabulary uses changes in-vocab words not at all (their vectors are stored)
    and OOV words only through never-trained buckets."""
    path, ft = tiny_fasttext
    n_used = int(np.count_nonzero(bucket_usage(load_fasttext(path))))
    info = export_fasttext(path, tmp_path / "used", prune_buckets=n_used)
    assert info["n_buckets"] == n_used
    full, pruned = _table(path), _table(tmp_path / "used")
    np.testing.assert_array_equal(pruned.compute(ft.get_words()), full.compute(ft.get_words()))
    assert mean_cosine(full, pruned, OOV) > 0.95


def test_fasttext_export_cli(tiny_bin, tmp_path):
    app = typer.Typer()
    commands.register(app)
    app.command(name="noop")(lambda: None)  # a second command keeps the command name in the CLI
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        ["init-fasttext", str(tiny_bin), str(out), "--dtype", "float16", "--max-words", "10", "--prune-buckets", "500"],
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "fasttext.json").read_text())
    assert (meta["n_words"], meta["dtype"], meta["n_buckets"]) == (10, "float16", 500)
    bad = CliRunner().invoke(app, ["init-fasttext", str(tiny_bin), str(out), "--dtype", "int8"])
    assert bad.exit_code != 0 and "E109" in str(bad.exception)


def test_fasttext_export_corrupt_directory(tiny_bin, tmp_path):
    export_fasttext(tiny_bin, tmp_path / "x")
    (tmp_path / "x" / "words.txt").write_text("only\t1\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"E113.*words\.txt"):
        load_fasttext(tmp_path / "x")
    (tmp_path / "y").mkdir()
    with pytest.raises(ValueError, match="E106"):
        load_fasttext(tmp_path / "y")


def test_fasttext_export_package_cli(tiny_bin, tmp_path):
    """`python -m spacy_transfer init-fasttext` (the package CLI, all components' commands registered)."""
    out = tmp_path / "pkg_cli"
    result = subprocess.run(
        [sys.executable, "-m", "spacy_transfer", "init-fasttext", str(tiny_bin), str(out), "--dtype", "float16"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "fasttext.json").read_text())["dtype"] == "float16"
