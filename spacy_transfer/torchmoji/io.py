"""Reading torchMoji checkpoints, vocabularies and our packaged weights.

Two on-disk formats are understood:

* torchMoji's original files: `pytorch_model.bin` (a state dict saved with
  torch.save) and `vocabulary.json` (token -> id). Loaded with weights_only=True.
* Our packaged format, a directory with `config.json` (widths, labels, thresholds,
  max_length), `vocabulary.json` and `model.safetensors` (float16 allowed).
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import srsly

from ..errors import Errors
from ..util import packaged_names, resolve_packaged

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_PRETRAINED = "goemotions"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocabulary.json"
WEIGHTS_FILE = "model.safetensors"
ORIGINAL_WEIGHTS_FILE = "pytorch_model.bin"
REQUIRED_KEYS = (
    "embed.weight",
    "lstm_0.weight_ih_l0", "lstm_0.weight_hh_l0", "lstm_0.bias_ih_l0", "lstm_0.bias_hh_l0",
    "lstm_0.weight_ih_l0_reverse", "lstm_0.weight_hh_l0_reverse",
    "lstm_0.bias_ih_l0_reverse", "lstm_0.bias_hh_l0_reverse",
    "lstm_1.weight_ih_l0", "lstm_1.weight_hh_l0", "lstm_1.bias_ih_l0", "lstm_1.bias_hh_l0",
    "lstm_1.weight_ih_l0_reverse", "lstm_1.weight_hh_l0_reverse",
    "lstm_1.bias_ih_l0_reverse", "lstm_1.bias_hh_l0_reverse",
    "attention_layer.attention_vector",
)  # fmt: skip
OUTPUT_KEYS = ("output_layer.0.weight", "output_layer.0.bias")


def resolve_pretrained(name_or_path: Union[str, Path]) -> Path:
    """A shipped model name ('goemotions') or a directory in our format."""
    path = resolve_packaged(name_or_path, DATA_DIR, WEIGHTS_FILE)
    if path is None or not (path / CONFIG_FILE).is_file() or not (path / WEIGHTS_FILE).is_file():
        known = packaged_names(DATA_DIR, WEIGHTS_FILE)
        raise ValueError(Errors.E150.format(name=name_or_path, path=path or Path(name_or_path), known=known))
    return path


def read_vocabulary(path: Union[str, Path]) -> Dict[str, int]:
    """Read a torchMoji vocabulary.json (token -> id) and check it."""
    path = Path(path)
    if path.is_dir():
        path = path / VOCAB_FILE
    if not path.exists():
        raise ValueError(Errors.E151.format(path=path))
    try:
        vocab = srsly.read_json(path)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError (cut-off or garbled file)
        raise ValueError(Errors.E152.format(path=path, detail=f"not valid JSON ({err})")) from None
    if not isinstance(vocab, dict) or not vocab:
        raise ValueError(Errors.E152.format(path=path, detail="expected a JSON object token -> id"))
    ids = sorted(vocab.values())
    if ids != list(range(len(ids))) or vocab.get("CUSTOM_UNKNOWN") != 1:
        raise ValueError(Errors.E152.format(path=path, detail="ids must be 0..n-1 with CUSTOM_UNKNOWN = 1"))
    return vocab


def widths_from_state_dict(state: Dict[str, Any], path: Union[str, Path]) -> Dict[str, int]:
    """Infer n_tokens, embed_width, hidden_width (and nO) from checkpoint shapes."""
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise ValueError(Errors.E153.format(path=path, detail=f"missing parameters {missing}"))
    n_tokens, embed_width = state["embed.weight"].shape
    hidden_width = state["lstm_0.weight_hh_l0"].shape[1]
    widths = {
        "n_tokens": int(n_tokens),
        "embed_width": int(embed_width),
        "hidden_width": int(hidden_width),
    }
    if OUTPUT_KEYS[0] in state:
        widths["nO"] = int(state[OUTPUT_KEYS[0]].shape[0])
    return widths


def load_original_checkpoint(path: Union[str, Path]) -> Dict[str, Any]:
    """Load torchMoji's pytorch_model.bin (or a directory holding it) as a state dict."""
    import torch

    path = Path(path)
    if path.is_dir():
        path = path / ORIGINAL_WEIGHTS_FILE
    if not path.exists():
        raise ValueError(Errors.E154.format(path=path))
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:  # pickle errors, truncated files, non-tensor objects
        raise ValueError(Errors.E153.format(path=path, detail=str(err))) from err
    if not isinstance(state, dict):
        raise ValueError(Errors.E153.format(path=path, detail="not a state dict"))
    widths_from_state_dict(state, path)
    return {key: value.float() for key, value in state.items()}


def load_pretrained(
    path: Path,
) -> Tuple[Dict[str, Any], Dict[str, int], Dict[str, Any]]:
    """Read a directory in our format: (state dict, vocabulary, config)."""
    from safetensors.torch import load_file

    try:
        config = srsly.read_json(path / CONFIG_FILE)
    except ValueError as err:
        raise ValueError(Errors.E165.format(path=path / CONFIG_FILE, detail=f"not valid JSON ({err})")) from None
    if not isinstance(config, dict):
        raise ValueError(Errors.E165.format(path=path / CONFIG_FILE, detail="not a JSON object"))
    vocab = read_vocabulary(path / VOCAB_FILE)
    try:
        state = load_file(str(path / WEIGHTS_FILE))
    except Exception as err:
        raise ValueError(Errors.E153.format(path=path / WEIGHTS_FILE, detail=str(err))) from err
    return {k: v.float() for k, v in state.items()}, vocab, config


def save_pretrained(
    path: Union[str, Path],
    state: Dict[str, Any],
    vocab: Dict[str, int],
    config: Dict[str, Any],
    *,
    half: bool = True,
    keep_words: Optional[List[str]] = None,
) -> None:
    """Write our format. keep_words shrinks the embedding table to those words
    (special tokens always kept), which is what keeps the shipped model small.
    """
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    state = dict(state)
    if keep_words is not None:
        old = state["embed.weight"]
        ordered = sorted(vocab, key=vocab.get)
        keep = set(keep_words)
        words = [w for w in ordered if vocab[w] < 10 or w in keep]
        state["embed.weight"] = old[torch.tensor([vocab[w] for w in words])]
        vocab = {w: i for i, w in enumerate(words)}
        config = dict(config, n_tokens=len(words))
    dtype = torch.float16 if half else torch.float32
    save_file(
        {k: v.detach().to(dtype).contiguous() for k, v in state.items()},
        str(path / WEIGHTS_FILE),
    )
    srsly.write_json(path / VOCAB_FILE, vocab)
    srsly.write_json(path / CONFIG_FILE, config)
