"""The `depth` setting of the shared encoders: keep only the bottom N transformer layers of a pretrained model.

Dropping a pretrained encoder's top layers and fine-tuning what is left keeps most of its accuracy ("Poor Man's
BERT", Sajjad et al., "On the Effect of Dropping Layers of Pre-trained Transformer Models"). The dropped layers
are removed from the module, not skipped at run time, so they cost neither time nor memory, and a model saved
after truncation stores only the kept layers (its config says so).

`hidden_layers` picks which hidden states a model reads where it reads several (check_hidden_layers).
"""

from typing import Any, List, Optional, Sequence, Tuple

from ..errors import Errors


def check_depth(depth: Optional[int], name: str) -> None:
    """Raise E371 unless depth is None or a positive int (the upper bound is checked when the model loads)."""
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise ValueError(Errors.E371.format(depth=depth, name=name, detail="it must be a positive whole number"))


def check_hidden_layers(hidden_layers: Optional[Sequence[int]], allowed: bool, needs: str) -> None:
    """The form of a `hidden_layers` setting (which hidden states to use); the encoder's own range is checked
    when it loads (set_encoder_layers). `allowed`: whether the other settings use it, else E361 says what it
    `needs`."""
    if hidden_layers is None:
        return
    if not allowed:
        raise ValueError(Errors.E361.format(key="hidden_layers", value=hidden_layers, detail=f"needs {needs}"))
    ok = isinstance(hidden_layers, (list, tuple)) and len(hidden_layers) > 0
    if not ok or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in hidden_layers):
        detail = "must be a non-empty list of layer numbers >= 0"
        raise ValueError(Errors.E361.format(key="hidden_layers", value=hidden_layers, detail=detail))


def _layer_stack(transformer: Any) -> Optional[Tuple[Any, str]]:
    """The module holding the transformer layers and its attribute name, for BERT-like encoders (BERT,
    RoBERTa, MPNet, ...: `encoder.layer`) and DistilBERT (`transformer.layer`), bare or under a task head."""
    for module in (transformer, getattr(transformer, "base_model", None)):
        for owner_name in ("encoder", "transformer"):
            owner = getattr(module, owner_name, None)
            if owner is not None and hasattr(owner, "layer"):
                return owner, "layer"
    return None


def transformer_layers(transformer: Any) -> List[Any]:
    """The stack of transformer layers, bottom first ([] for an architecture this module does not know)."""
    stack = _layer_stack(transformer)
    return list(getattr(*stack)) if stack is not None else []


def keep_bottom_layers(transformer: Any, depth: Optional[int], name: str) -> None:
    """Remove every transformer layer above the bottom `depth` ones, in place (depth None: keep all).

    transformer (PreTrainedModel): a loaded Hugging Face model (an encoder, or one with a task head).
    depth (Optional[int]): how many layers to keep, 1 .. the model's number of layers.
    name (str): the model's name, for error messages.
    """
    if depth is None:
        return
    from torch import nn

    check_depth(depth, name)
    stack = _layer_stack(transformer)
    if stack is None:
        detail = f"depth works for BERT-like encoders, and {type(transformer).__name__} has no encoder.layer stack"
        raise ValueError(Errors.E371.format(depth=depth, name=name, detail=detail))
    owner, attr = stack
    layers = list(getattr(owner, attr))
    if depth > len(layers):
        detail = f"the encoder has {len(layers)} transformer layers"
        raise ValueError(Errors.E371.format(depth=depth, name=name, detail=detail))
    setattr(owner, attr, nn.ModuleList(layers[:depth]))
    # The config travels with saved weights and sizes per-layer inputs (head masks, hidden-state mixes).
    for config in {id(c): c for c in (transformer.config, getattr(owner, "config", None)) if c is not None}.values():
        if hasattr(config, "num_hidden_layers"):
            config.num_hidden_layers = depth
        if hasattr(config, "n_layers"):  # DistilBERT's name for it
            config.n_layers = depth
