"""Issue 14, point 5: every corrupt or missing file raises a coded error that names the file and what to do."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.issue(14)


# ------------------------------------------------------------------ fasttext_vectors
@pytest.fixture
def tiny_export(tmp_path) -> Path:
    from spacy_transfer.fasttext_vectors.io import write_export

    words = ["the", "cat", "sat", "naïve"]
    vectors = np.arange(len(words) * 4, dtype="float32").reshape((len(words), 4))
    buckets = np.ones((3, 4), dtype="float32")
    meta = {"minn": 2, "maxn": 3, "bucket": 10}
    return write_export(
        tmp_path / "export", meta, words, np.arange(len(words)), vectors, buckets, np.asarray([1, 4, 7])
    )


def test_fasttext_vectors_export_reads_back(tiny_export):
    from spacy_transfer.fasttext_vectors.io import read_export

    model = read_export(tiny_export)
    assert model.words == ["the", "cat", "sat", "naïve"]


@pytest.mark.parametrize("cut", [-2, -5], ids=["last_line_without_count", "mid_word"])
def test_fasttext_vectors_truncated_words_txt(tiny_export, cut):
    from spacy_transfer.fasttext_vectors.io import read_export

    words = tiny_export / "words.txt"
    words.write_bytes(words.read_bytes()[:cut])
    with pytest.raises(ValueError, match=r"E113.*words\.txt.*init-fasttext"):
        read_export(tiny_export)


def test_fasttext_vectors_words_txt_cut_at_line_end(tiny_export):
    from spacy_transfer.fasttext_vectors.io import read_export

    words = tiny_export / "words.txt"
    words.write_text("".join(words.read_text(encoding="utf8").splitlines(keepends=True)[:2]), encoding="utf8")
    with pytest.raises(ValueError, match=r"E113.*words\.txt.*2 words.*says 4"):
        read_export(tiny_export)


def test_fasttext_vectors_truncated_fasttext_json(tiny_export):
    from spacy_transfer.fasttext_vectors.io import read_export

    meta = tiny_export / "fasttext.json"
    meta.write_bytes(meta.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"E113.*fasttext\.json.*not valid JSON.*init-fasttext"):
        read_export(tiny_export)


def test_fasttext_vectors_truncated_npy(tiny_export):
    from spacy_transfer.fasttext_vectors.io import read_export

    npy = tiny_export / "word_vectors.npy"
    npy.write_bytes(npy.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"E113.*word_vectors\.npy"):
        read_export(tiny_export)


# ------------------------------------------------------------------ torchmoji
@pytest.fixture
def torchmoji_dir(tmp_path) -> Path:
    from spacy_transfer.torchmoji.io import DATA_DIR

    return Path(shutil.copytree(DATA_DIR / "goemotions", tmp_path / "goemotions"))


def test_torchmoji_corrupt_vocabulary_json(torchmoji_dir):
    from spacy_transfer.torchmoji.io import load_pretrained

    vocab = torchmoji_dir / "vocabulary.json"
    vocab.write_bytes(vocab.read_bytes()[:1000])
    with pytest.raises(ValueError, match=r"E152.*vocabulary\.json.*not valid JSON"):
        load_pretrained(torchmoji_dir)


def test_torchmoji_corrupt_config_json(torchmoji_dir):
    from spacy_transfer.torchmoji.io import load_pretrained

    (torchmoji_dir / "config.json").write_text('{"labels": [', encoding="utf8")
    with pytest.raises(ValueError, match=r"E165.*config\.json.*not valid JSON"):
        load_pretrained(torchmoji_dir)


# ------------------------------------------------------------------ transformer_encoder
def test_transformer_encoder_truncated_model_safetensors(tiny_bert_dir, tmp_path):
    from spacy_transfer.layers.hf_io import load_hf_model

    broken = Path(shutil.copytree(tiny_bert_dir, tmp_path / "bert"))
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"E368.*model\.safetensors.*copy the model directory again"):
        load_hf_model(str(broken))


def test_transformer_encoder_truncated_saved_weights(tiny_bert_dir, tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("transformer_encoder", config={"model": {"name": str(tiny_bert_dir), "window": 32, "stride": 24}})
    nlp.initialize()
    nlp.to_disk(tmp_path / "pipeline")
    weights = tmp_path / "pipeline" / "transformer_encoder" / "model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"E360.*model/model\.safetensors"):
        spacy.load(tmp_path / "pipeline")


def test_transformer_encoder_model_path_is_a_file(tiny_bert_dir):
    from spacy_transfer.layers.hf_io import resolve_model_path

    with pytest.raises(ValueError, match=r"E367.*config\.json.* is a file, not a directory") as err:
        resolve_model_path(str(tiny_bert_dir / "config.json"))
    assert "does not exist" not in str(err.value)


# ------------------------------------------------------------------ neuralcoref
def test_neuralcoref_missing_cache_says_download(tmp_path, monkeypatch):
    from spacy_transfer.neuralcoref.io import resolve_model_path

    monkeypatch.setenv("SPACY_TRANSFER_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(OSError, match=r"E002.*python -m spacy_transfer download neuralcoref-en") as err:
        resolve_model_path("neuralcoref-en")
    assert "E008" not in str(err.value) and "Unknown model name" not in str(err.value)


def test_neuralcoref_corrupt_weights_names_the_file(tmp_path):
    from spacy_transfer.neuralcoref.io import load_weights

    (tmp_path / "weights.safetensors").write_bytes(b'\x10\x00\x00\x00\x00\x00\x00\x00{"a"')
    (tmp_path / "vectors.safetensors").write_bytes(b"")
    (tmp_path / "cfg.json").write_text("{}", encoding="utf8")
    with pytest.raises(ValueError, match=r"E003.*weights\.safetensors is corrupt"):
        load_weights(tmp_path)


def test_neuralcoref_garbage_cfg_json(tmp_path):
    from safetensors.numpy import save_file

    from spacy_transfer.neuralcoref.io import load_weights

    save_file({"x": np.zeros(2, dtype="float32")}, str(tmp_path / "weights.safetensors"))
    save_file({"x": np.zeros(2, dtype="float32")}, str(tmp_path / "vectors.safetensors"))
    (tmp_path / "cfg.json").write_bytes(b"\x00garbage{")
    with pytest.raises(ValueError, match=r"E003.*cfg\.json is corrupt.*not valid JSON"):
        load_weights(tmp_path)
    (tmp_path / "cfg.json").write_text(json.dumps([1, 2]), encoding="utf8")
    with pytest.raises(ValueError, match=r"E003.*cfg\.json is corrupt.*not a JSON object"):
        load_weights(tmp_path)


# ------------------------------------------------------------------ annotate
def test_annotate_output_path_is_a_file(tmp_path):
    from spacy_transfer.annotate.io import OutputDir

    out = tmp_path / "out.jsonl"
    out.write_text("not a directory", encoding="utf8")
    with pytest.raises(ValueError, match=r"E317.*out\.jsonl exists but is not a directory"):
        OutputDir(out).prepare({})
    with pytest.raises(ValueError, match=r"E317.*out\.jsonl exists but is not a directory"):
        OutputDir(out / "below").prepare({})


@pytest.mark.issue(14)
def test_annotate_cli_output_path_is_a_file_without_traceback(tmp_path):
    """The CLI prints the coded error and exits 1, instead of a traceback."""
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "Hello."}\n', encoding="utf8")
    out = tmp_path / "out.jsonl"
    out.write_text("not a directory", encoding="utf8")
    run = subprocess.run(
        [sys.executable, "-m", "spacy_transfer", "annotate", "blank:en", str(source), str(out), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    both = run.stdout + run.stderr
    assert run.returncode == 1 and "E317" in both and "Traceback" not in both
