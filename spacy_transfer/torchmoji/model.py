"""Thinc architectures wrapping the torchMoji network (torch is imported lazily).

The model maps a batch of Docs (or sentence Spans) to a pair of arrays:
(label probabilities n_docs x nO, attention features n_docs x nF). Its backprop
takes the gradient for the probabilities only: like Thinc's Softmax layer it is
passed to the logits unchanged, because for cross-entropy (softmax) and binary
cross-entropy (sigmoid) the gradient w.r.t. the logits is exactly probs - truth,
which is what the component's get_loss returns.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d

from ..errors import Errors
from ..layers.fork import avoid_fork_deadlock
from ..layers.pytorch_shim import keep_eval_mode
from ..layers.torch import get_torch_module
from . import token_words, words

InT = List[Union[Doc, Span]]
OutT = Tuple[Floats2d, Floats2d]
FINETUNE_METHODS = ("full", "last", "new", "chain-thaw")
TORCH_REF = "torch"  # pipelines saved before 2026-12 also carry the old name "torchmoji_torch"; Thinc restores both
# How a model turns Docs/Spans into DeepMoji words: "spacy_tokens" (TorchMoji.v1,
# token_words.py) or "deepmoji" (TorchMoji.v2: DeepMoji's own tokenizer, words.py).
WORD_MAPPINGS = ("spacy_tokens", "deepmoji")


@registry.architectures("spacy_transfer.TorchMoji.v1")
def build_torchmoji_model(
    n_tokens: Optional[int],
    embed_width: int,
    hidden_width: int,
    max_length: int,
    embed_dropout: float,
    final_dropout: float,
    multi_label: bool,
    nO: Optional[int] = None,
) -> Model[InT, OutT]:
    """TorchMoji.v2's network fed with words mapped from spaCy's tokens
    (token_words.py), kept for pipelines trained with it. Arguments as in v2.
    """
    return _build_torchmoji(
        n_tokens, embed_width, hidden_width, max_length, embed_dropout,
        final_dropout, multi_label, nO, word_mapping="spacy_tokens",
    )  # fmt: skip


@registry.architectures("spacy_transfer.TorchMoji.v2")
def build_torchmoji_model_v2(
    n_tokens: Optional[int],
    embed_width: int,
    hidden_width: int,
    max_length: int,
    embed_dropout: float,
    final_dropout: float,
    multi_label: bool,
    nO: Optional[int] = None,
) -> Model[InT, OutT]:
    """DeepMoji, reading each Doc or sentence Span with DeepMoji's own tokenizer and
    normalisation (words.py: the ids torchMoji's SentenceTokenizer gives): token ids -> embedding 256 -> tanh
    -> biLSTM 2x512 -> biLSTM 2x512 -> attention over [lstm_1, lstm_0, embedding] -> linear -> sigmoid or softmax.
    LSTM gates use Keras's hard sigmoid. The vocabulary (token -> id) is set at
    initialize and saved with the model.

    n_tokens (Optional[int]): rows of the embedding table (the vocabulary size);
        None takes the size of the vocabulary given at initialize.
    embed_width (int): embedding width (256 in DeepMoji).
    hidden_width (int): LSTM width per direction (512 in DeepMoji).
    max_length (int): tokens per text fed to the network; the rest is cut.
    embed_dropout (float): spatial dropout on the embeddings while training.
    final_dropout (float): dropout before the output layer while training.
    multi_label (bool): sigmoid per label if True, else softmax.
    nO (Optional[int]): number of labels, set from the component's labels.
    RETURNS (Model[List[Doc], Tuple[Floats2d, Floats2d]]): probabilities and features.
    """
    return _build_torchmoji(
        n_tokens, embed_width, hidden_width, max_length, embed_dropout,
        final_dropout, multi_label, nO, word_mapping="deepmoji",
    )  # fmt: skip


def _build_torchmoji(
    n_tokens: Optional[int],
    embed_width: int,
    hidden_width: int,
    max_length: int,
    embed_dropout: float,
    final_dropout: float,
    multi_label: bool,
    nO: Optional[int],
    *,
    word_mapping: str,
) -> Model[InT, OutT]:
    for key, value in (("n_tokens", n_tokens or 1), ("embed_width", embed_width),
                       ("hidden_width", hidden_width), ("max_length", max_length)):  # fmt: skip
        if not isinstance(value, int) or value < 1:
            raise ValueError(Errors.E155.format(key=key, value=value, detail="must be a positive int"))
    for key, value in (
        ("embed_dropout", embed_dropout),
        ("final_dropout", final_dropout),
    ):
        if not 0.0 <= value < 1.0:
            raise ValueError(Errors.E155.format(key=key, value=value, detail="must be in [0, 1)"))
    return Model(
        "torchmoji",
        torchmoji_forward,
        init=torchmoji_init,
        dims={"nO": nO, "nF": 4 * hidden_width + embed_width},
        attrs={
            "n_tokens": n_tokens,
            "embed_width": embed_width,
            "hidden_width": hidden_width,
            "max_length": max_length,
            "embed_dropout": embed_dropout,
            "final_dropout": final_dropout,
            "multi_label": multi_label,
            "word_mapping": word_mapping,
            "vocab": {},
        },
    )


@registry.architectures("spacy_transfer.TorchMojiPretrained.v1")
def build_torchmoji_pretrained(name: str, embed_dropout: float, final_dropout: float) -> Model[InT, OutT]:
    """A TorchMoji model built and filled from packaged weights, ready to predict
    without training: widths, vocabulary, labels, thresholds and the words the
    weights were trained on (config.json "word_mapping": "deepmoji" as TorchMoji.v2,
    absent or "spacy_tokens" as TorchMoji.v1) come from the weights directory.

    name (str): a shipped model ('goemotions') or a directory in our format.
    embed_dropout, final_dropout (float): dropout rates used if it is fine-tuned.
    RETURNS (Model[List[Doc], Tuple[Floats2d, Floats2d]]): an initialized model.
    """
    from .io import load_pretrained, resolve_pretrained

    path = resolve_pretrained(name)
    state, vocab, config = load_pretrained(path)
    word_mapping = config.get("word_mapping", "spacy_tokens")
    if word_mapping not in WORD_MAPPINGS:
        raise ValueError(Errors.E165.format(path=path / "config.json",
            detail=f"word_mapping {word_mapping!r} is not one of {WORD_MAPPINGS}"))  # fmt: skip
    model = _build_torchmoji(
        n_tokens=config["n_tokens"],
        embed_width=config["embed_width"],
        hidden_width=config["hidden_width"],
        max_length=config["max_length"],
        embed_dropout=embed_dropout,
        final_dropout=final_dropout,
        multi_label=config["multi_label"],
        nO=len(config["labels"]),
        word_mapping=word_mapping,
    )
    model.attrs["labels"] = list(config["labels"])
    model.attrs["thresholds"] = dict(config.get("thresholds", {}))
    model.attrs["pretrained"] = str(name)
    model.initialize()
    load_state_dict(model, state, vocab, path=path)
    return model


def torchmoji_init(model: Model, X: Optional[InT] = None, Y: Any = None) -> None:
    """Build the torch module once nO is known. Never rebuilds: that would throw
    away loaded weights when nlp.initialize runs on a pretrained pipeline.
    """
    from thinc.api import PyTorchWrapper_v2

    from .torch_model import TorchMoji

    if model.has_ref(TORCH_REF):
        return
    if Y is not None and model.get_dim("nO") is None:
        model.set_dim("nO", Y.shape[1])
    module = TorchMoji(
        n_tokens=model.attrs["n_tokens"],
        embed_width=model.attrs["embed_width"],
        hidden_width=model.attrs["hidden_width"],
        n_labels=model.get_dim("nO"),
        embed_dropout=model.attrs["embed_dropout"],
        final_dropout=model.attrs["final_dropout"],
    )
    wrapper = PyTorchWrapper_v2(
        module,
        convert_inputs=convert_torchmoji_inputs,
        convert_outputs=convert_torchmoji_outputs,
    )
    model._layers.append(keep_eval_mode(wrapper))  # thread-safe prediction (layers/pytorch_shim.py)
    model.set_ref(TORCH_REF, wrapper)


def torchmoji_forward(model: Model, X: InT, is_train: bool) -> Tuple[OutT, Callable]:
    avoid_fork_deadlock()
    if not model.attrs["vocab"]:
        raise ValueError(Errors.E155.format(
            key="vocab", value="{}", detail="the model has no vocabulary; initialize the "
            "component with vocab_path (torchMoji's vocabulary.json) or weights_path"))  # fmt: skip
    ids = texts_to_ids(model, X)
    (logits, features), backprop_torch = model.get_ref(TORCH_REF)(ids, is_train)
    ops = model.ops
    if model.attrs["multi_label"]:
        probs = ops.sigmoid(logits)
    else:
        probs = ops.softmax(logits)

    def backprop(d_probs: Floats2d) -> InT:
        backprop_torch(d_probs)
        return []

    return (probs, features), backprop


def texts_to_ids(model: Model, X: InT) -> List[List[int]]:
    """Token ids per Doc or Span, with the model's word mapping (see WORD_MAPPINGS)."""
    vocab, max_length = model.attrs["vocab"], model.attrs["max_length"]
    if model.attrs.get("word_mapping", "spacy_tokens") == "deepmoji":
        return words.texts_to_ids(X, vocab, max_length)
    return token_words.texts_to_ids(X, vocab, max_length)


def convert_torchmoji_inputs(model: Model, ids: List[List[int]], is_train: bool):
    """Pad token id lists into a batch x n_steps LongTensor plus lengths."""
    import torch

    lengths = torch.tensor([len(seq) for seq in ids], dtype=torch.long)
    padded = torch.zeros((len(ids), int(lengths.max())), dtype=torch.long)
    for i, seq in enumerate(ids):
        padded[i, : len(seq)] = torch.tensor(seq, dtype=torch.long)
    device = next(model.shims[0]._model.parameters()).device
    return (
        ArgsKwargs(args=(padded.to(device), lengths.to(device)), kwargs={}),
        lambda d: [],
    )


def convert_torchmoji_outputs(model: Model, inputs_outputs, is_train: bool):
    """Torch (logits, features) -> xp arrays; gradients go to the logits only."""
    _, (logits, features) = inputs_outputs

    def convert_from_xp(d_logits: Floats2d) -> ArgsKwargs:
        d_torch = xp2torch(model.ops.asarray2f(d_logits)).to(logits.device)
        return ArgsKwargs(args=((logits,),), kwargs={"grad_tensors": (d_torch,)})

    return (torch2xp(logits.detach()), torch2xp(features.detach())), convert_from_xp


def load_state_dict(
    model: Model,
    state: Dict[str, Any],
    vocab: Dict[str, int],
    *,
    path: Any,
    skip_output: bool = False,
) -> None:
    """Copy a torchMoji state dict and vocabulary into a built model, checking widths.

    skip_output (bool): keep the model's own output layer (transfer to new labels).
    """
    from .io import OUTPUT_KEYS, widths_from_state_dict

    widths = widths_from_state_dict(state, path)
    for key in ("n_tokens", "embed_width", "hidden_width"):
        if widths[key] != model.attrs[key]:
            raise ValueError(Errors.E156.format(
                key=key, found=widths[key], expected=model.attrs[key], widths=widths))  # fmt: skip
    if len(vocab) != model.attrs["n_tokens"]:
        raise ValueError(Errors.E157.format(n_vocab=len(vocab), n_tokens=model.attrs["n_tokens"]))
    if not skip_output and "nO" in widths and widths["nO"] != model.get_dim("nO"):
        raise ValueError(Errors.E156.format(
            key="nO (labels)", found=widths["nO"], expected=model.get_dim("nO"), widths=widths))  # fmt: skip
    module = get_torch_module(model)
    keys = [k for k in state if not (skip_output and k in OUTPUT_KEYS)]
    result = module.load_state_dict({k: state[k] for k in keys}, strict=False)
    unexpected = list(result.unexpected_keys)
    if unexpected:
        raise ValueError(Errors.E153.format(path=path, detail=f"unknown parameters {unexpected}"))
    model.attrs["vocab"] = dict(vocab)


def load_vocab(model: Model, vocab: Dict[str, int]) -> None:
    """Set the vocabulary (token -> id) of a model built with random weights."""
    if len(vocab) != model.attrs["n_tokens"]:
        raise ValueError(Errors.E157.format(n_vocab=len(vocab), n_tokens=model.attrs["n_tokens"]))
    model.attrs["vocab"] = dict(vocab)


def set_trainable(model: Model, method: str, stage: Optional[str] = None) -> List[str]:
    """Freeze/unfreeze the torch parameters for a DeepMoji fine-tuning method.

    'full' and 'new' train everything ('new' is meant for random initial weights),
    'last' trains only the output layer, 'chain-thaw' trains one layer group at a
    time (`stage`, a name from TorchMoji.layer_groups, or 'all').
    RETURNS (List[str]): the names of the trainable layer groups.
    """
    if method not in FINETUNE_METHODS:
        raise ValueError(Errors.E160.format(method=method, methods=FINETUNE_METHODS))
    groups = get_torch_module(model).layer_groups()
    if method in ("full", "new") or (method == "chain-thaw" and stage in (None, "all")):
        active = [name for name, _ in groups]
    elif method == "last":
        active = ["output_layer"]
    else:
        active = [stage]
    for name, params in groups:
        for param in params:
            param.requires_grad_(name in active)
            if name not in active:
                param.grad = None
    return active


def chain_thaw_schedule(n_steps_per_layer: int) -> Callable[[int], str]:
    """DeepMoji's chain-thaw order: the new output layer first, then each layer from
    the input upwards, then everything together.
    """
    order: Sequence[str] = (
        "output_layer",
        "embed",
        "lstm_0",
        "lstm_1",
        "attention_layer",
    )

    def stage(step: int) -> str:
        index = step // max(n_steps_per_layer, 1)
        return order[index] if index < len(order) else "all"

    return stage
