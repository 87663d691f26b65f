"""The registered Thinc architecture `spacy_transfer.TransformerModel.v1`: one vector per spaCy token from a
Hugging Face encoder. The `transformer_encoder` component runs it; FrozenTransformer.v1 and TunedTransformer.v1
wrap it.

docs -> fast tokenizer with character offsets -> wordpieces aligned to spaCy tokens (alignment.py) -> strided
windows, sorted by length and packed into padded chunks (windows.py) -> Hugging Face encoder (window_pooling.py,
in PyTorchWrapper_v2) -> windows merged and wordpieces mean-pooled per token -> `TransformerEncoderOutput`.

torch and transformers are imported inside functions, so importing this module stays cheap.
"""

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d

from ..errors import Errors
from .alignment import POOLING_MODES, DocPieces, align_wordpieces, cap_pieces_per_token, first_piece_pairs
from .depth import check_depth, keep_bottom_layers
from .hf_io import files_to_model, load_hf_model
from .pytorch_shim import keep_eval_mode
from .torch import get_torch_module, torch_device
from .windows import WindowBatch, build_window_batch

# RoBERTa-style models number positions from padding_idx + 1, so two position rows are unusable.
POSITION_OFFSET_MODELS = ("roberta", "xlm-roberta", "camembert", "longformer")


@dataclass
class TransformerEncoderOutput:
    """What the encoder model returns for a batch of docs.

    tokens: one (n_tokens x width) array per doc, the pooled wordpiece states of each token.
    wordpieces: one (n_wp x width) array per doc, the last hidden states (windows merged).
    pieces: the wordpiece ids and token alignment of each doc.
    """

    tokens: List[numpy.ndarray]
    wordpieces: List[numpy.ndarray]
    pieces: List[DocPieces]

    def __len__(self) -> int:
        return len(self.tokens)


@registry.architectures("spacy_transfer.TransformerModel.v1")
def build_transformer_model(
    name: str,
    window: int = 256,
    stride: int = 192,
    pooling: str = "mean",
    max_batch_items: int = 4096,
    max_wordpieces_per_token: Optional[int] = None,
    depth: Optional[int] = None,
) -> Model[List[Doc], TransformerEncoderOutput]:
    """A Hugging Face encoder that gives one vector per spaCy token.

    name (str): local model directory, "package:<python package>" bundling one, or a hub name.
    window (int): most wordpieces per window (without special tokens).
    stride (int): wordpieces between window starts; window - stride pieces overlap and are averaged.
    pooling (str): "mean" of a token's wordpieces or its "first" one.
    max_batch_items (int): most padded wordpiece positions in one forward pass.
    max_wordpieces_per_token (Optional[int]): encode at most this many (the first) wordpieces of a token, which
        bounds the cost of pathological tokens; None (the default of v1, kept for saved pipelines): no cap. The
        component's default config sets 64.
    depth (Optional[int]): keep only the bottom `depth` transformer layers (layers/depth.py: faster, and
        usually within a point of the full model once fine-tuned); None keeps them all.
    RETURNS (Model[List[Doc], TransformerEncoderOutput]): the model; weights load in `initialize`.
    """
    for key, value, ok, detail in (
        ("window", window, isinstance(window, int) and window > 0, "must be a positive integer"),
        ("stride", stride, isinstance(stride, int) and 0 < stride <= window, "must be in 1..window"),
        ("pooling", pooling, pooling in POOLING_MODES, f"must be one of {POOLING_MODES}"),
        (
            "max_batch_items",
            max_batch_items,
            isinstance(max_batch_items, int) and max_batch_items > 0,
            "must be a positive integer",
        ),
        (
            "max_wordpieces_per_token",
            max_wordpieces_per_token,
            max_wordpieces_per_token is None
            or (isinstance(max_wordpieces_per_token, int) and max_wordpieces_per_token > 0),
            "must be a positive integer or null",
        ),
    ):
        if not ok:
            raise ValueError(Errors.E361.format(key=key, value=value, detail=detail))
    check_depth(depth, name)
    return Model(
        "transformer_encoder_model",
        transformer_forward,
        init=transformer_init,
        dims={"nO": None},
        attrs={
            "name": name,
            "window": window,
            "stride": stride,
            "pooling": pooling,
            "max_batch_items": max_batch_items,
            "max_wordpieces_per_token": max_wordpieces_per_token,
            "depth": depth,
        },
    )


def transformer_init(model: Model, X: Optional[List[Doc]] = None, Y: Any = None) -> None:
    """Load the Hugging Face model named in the config, unless weights were loaded already."""
    if not model.layers:
        transformer, tokenizer = load_hf_model(model.attrs["name"], depth=model.attrs.get("depth"))
        set_transformer(model, transformer, tokenizer)


def set_transformer_from_files(model: Model, files: dict, where: str) -> None:
    """(Re)build the wrapped encoder from saved files (`hf_io.HFFiles`), offline."""
    transformer, tokenizer = files_to_model(files, where=where)
    # Saved truncated, the files hold `depth` layers already; a pipeline saved whole and loaded with a smaller
    # depth is cut here.
    keep_bottom_layers(transformer, model.attrs.get("depth"), where)
    set_transformer(model, transformer, tokenizer)


def set_transformer(model: Model, transformer: Any, tokenizer: Any) -> None:
    """Put a transformers model and its `tokenizers.Tokenizer` into the Thinc model.

    model (Model): built by `build_transformer_model`.
    transformer (PreTrainedModel): encoder whose output has `last_hidden_state`.
    tokenizer (tokenizers.Tokenizer): the fast tokenizer; padding and truncation get switched off.
    """
    from thinc.api import PyTorchWrapper_v2

    from .window_pooling import WindowPoolingEncoder

    tokenizer.no_padding()
    tokenizer.no_truncation()
    probe = tokenizer.encode("a", add_special_tokens=True)
    content = [i for i, special in enumerate(probe.special_tokens_mask) if not special]
    prefix = probe.ids[: content[0]]
    suffix = probe.ids[content[-1] + 1 :]
    config = transformer.config
    max_positions = getattr(config, "max_position_embeddings", None)
    if max_positions is not None:
        if config.model_type in POSITION_OFFSET_MODELS:
            max_positions -= (getattr(config, "pad_token_id", 1) or 0) + 1
        longest = model.attrs["window"] + len(prefix) + len(suffix)
        if longest > max_positions:
            detail = (
                f"window plus {len(prefix) + len(suffix)} special tokens exceeds the model's {max_positions} positions"
            )
            raise ValueError(Errors.E361.format(key="window", value=model.attrs["window"], detail=detail))
    model.attrs["tokenizer"] = tokenizer
    model.attrs["prefix"] = list(prefix)
    model.attrs["suffix"] = list(suffix)
    model.attrs["pad_id"] = int(getattr(config, "pad_token_id", None) or 0)
    wrapper = keep_eval_mode(
        PyTorchWrapper_v2(
            WindowPoolingEncoder(transformer),
            convert_inputs=convert_encoder_inputs,
            convert_outputs=convert_encoder_outputs,
        )
    )
    model._layers[:] = [wrapper]
    model.set_dim("nO", int(config.hidden_size), force=True)


def get_transformer(model: Model) -> Any:
    """The wrapped transformers model (e.g. for saving)."""
    if not model.layers:
        raise ValueError(Errors.E366)
    return get_torch_module(model).transformer


def tokenize_docs(model: Model, docs: List[Doc]) -> List[DocPieces]:
    """Wordpieces of each doc's text, aligned to its tokens by character offsets."""
    tokenizer = model.attrs["tokenizer"]
    encodings = tokenizer.encode_batch([doc.text for doc in docs], add_special_tokens=False)
    first_only = model.attrs["pooling"] == "first"
    cap = model.attrs.get("max_wordpieces_per_token")
    pieces = []
    for doc, enc in zip(docs, encodings):
        ids = numpy.asarray(enc.ids, dtype="int64")
        offsets = numpy.asarray(enc.offsets, dtype="int64").reshape((-1, 2))
        if len(doc):
            arr = doc.to_array([IDX, LENGTH]).astype("int64")
            starts, ends = arr[:, 0], arr[:, 0] + arr[:, 1]
        else:
            starts = ends = numpy.zeros((0,), dtype="int64")
        pair_wp, pair_tok = align_wordpieces(starts, ends, offsets)
        if cap is not None:
            ids, pair_wp, pair_tok = cap_pieces_per_token(ids, pair_wp, pair_tok, cap)
        if first_only:
            pair_wp, pair_tok = first_piece_pairs(pair_wp, pair_tok)
        pieces.append(DocPieces(ids=ids, pair_wp=pair_wp, pair_tok=pair_tok, n_tokens=len(doc)))
    return pieces


def transformer_forward(
    model: Model, docs: List[Doc], is_train: bool
) -> Tuple[TransformerEncoderOutput, Callable[[List[Floats2d]], List]]:
    if not model.layers:
        raise ValueError(Errors.E366)
    ops = model.ops
    width = model.get_dim("nO")
    pieces = tokenize_docs(model, docs)
    batch = build_window_batch(
        pieces,
        prefix=model.attrs["prefix"],
        suffix=model.attrs["suffix"],
        pad_id=model.attrs["pad_id"],
        window=model.attrs["window"],
        stride=model.attrs["stride"],
        max_batch_items=model.attrs["max_batch_items"],
    )
    if batch.n_wp == 0:
        # Nothing to encode (empty or whitespace-only docs): no forward pass, zero vectors.
        output = TransformerEncoderOutput(
            tokens=[ops.alloc2f(len(doc), width) for doc in docs],
            wordpieces=[ops.alloc2f(0, width) for _ in docs],
            pieces=pieces,
        )
        return output, lambda d_tokens: []
    if is_train:
        (tokens, wordpieces), backprop_encoder = model.layers[0](batch, is_train)
    else:
        import torch

        # inference_mode skips autograd bookkeeping entirely (the shim's predict only uses no_grad).
        with torch.inference_mode():
            (tokens, wordpieces), backprop_encoder = model.layers[0](batch, is_train)
    output = TransformerEncoderOutput(
        tokens=_split(ops, tokens, batch.tok_lengths),
        wordpieces=_split(ops, wordpieces, batch.wp_lengths),
        pieces=pieces,
    )

    def backprop(d_tokens: List[Floats2d]) -> List:
        backprop_encoder(ops.xp.concatenate(d_tokens) if len(d_tokens) > 1 else d_tokens[0])
        return []  # docs take no gradient

    return output, backprop


def _split(ops, array: Floats2d, lengths: List[int]) -> List[Floats2d]:
    return ops.xp.split(array, numpy.cumsum(lengths)[:-1].tolist())


def convert_encoder_inputs(model: Model, batch: WindowBatch, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    """WindowBatch (numpy) -> torch tensors on the shim's device; integer inputs take no gradient."""
    device = torch_device(model)

    def to_torch(array: numpy.ndarray):
        return xp2torch(model.ops.asarray(array), device=device)

    kwargs = {
        "input_ids": [to_torch(ids) for ids, _ in batch.chunks],
        "attention_mask": [to_torch(mask) for _, mask in batch.chunks],
        "sel_pos": to_torch(batch.sel_pos),
        "sel_wp": to_torch(batch.sel_wp),
        "pair_wp": to_torch(batch.pair_wp),
        "pair_tok": to_torch(batch.pair_tok),
        "n_wp": batch.n_wp,
        "n_tokens": batch.n_tokens,
    }
    return ArgsKwargs(args=(), kwargs=kwargs), lambda d_inputs: []


def convert_encoder_outputs(model: Model, inputs_outputs: Tuple, is_train: bool) -> Tuple[Tuple, Callable]:
    """(tokens, wordpieces) torch tensors -> xp arrays; gradients flow back through the token output."""
    _, (tokens, wordpieces) = inputs_outputs
    device = torch_device(model)

    def backprop(d_tokens: Floats2d) -> ArgsKwargs:
        return ArgsKwargs(args=((tokens,),), kwargs={"grad_tensors": (xp2torch(d_tokens, device=device),)})

    return (torch2xp(tokens), torch2xp(wordpieces)), backprop
