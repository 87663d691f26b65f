"""The registered architectures `spacy_transfer.WordCoref.v1` and `.v2`: token vectors -> word-level coref scores.

torch is imported inside functions, so importing this module stays cheap.
"""

from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats1d, Floats2d, Floats3d, Ints2d

from ..errors import Errors
from ..layers.torch import get_torch_module, torch_device


@dataclass
class WordCorefOutput:
    """The scores for one doc.

    cands: n_words x k antecedent candidates (word indices; -1 where none).
    scores: n_words x k antecedent scores (-inf where none); the implicit "no antecedent"
        choice scores 0.
    spans: n_words x window x 2 start/end scores of the mention each word would head.
    mentions: n_words logits that the word heads a mention (WordCoref.v2; NaN with v1).
    """

    cands: Ints2d
    scores: Floats2d
    spans: Floats3d
    mentions: Floats1d


@registry.architectures("spacy_transfer.WordCoref.v2")
def build_word_coref_model_v2(
    tok2vec: Model[List[Doc], List[Floats2d]],
    width: int = 384,
    hidden: int = 256,
    rough_k: int = 50,
    max_distance: int = 2048,
    span_left: int = 20,
    span_right: int = 10,
    dropout: float = 0.3,
    n_layers: int = 1,
) -> Model[List[Doc], List[WordCorefOutput]]:
    """WordCoref.v1 plus a mention scorer: whether each word heads a mention, one-mention ones
    included, so that the component can output singletons. Same settings as v1."""
    return word_coref_model(
        tok2vec, width, hidden, rough_k, max_distance, span_left, span_right, dropout, n_layers, mention_scorer=True
    )


@registry.architectures("spacy_transfer.WordCoref.v1")
def build_word_coref_model(
    tok2vec: Model[List[Doc], List[Floats2d]],
    width: int = 384,
    hidden: int = 256,
    rough_k: int = 50,
    max_distance: int = 2048,
    span_left: int = 20,
    span_right: int = 10,
    dropout: float = 0.3,
    n_layers: int = 1,
) -> Model[List[Doc], List[WordCorefOutput]]:
    """Word-level coreference scores over per-token vectors (see torch_model.WordCorefScorer).

    tok2vec (Model[List[Doc], List[Floats2d]]): token vectors, e.g. FrozenTransformer.v1 or a
        TransformerListener.v1.
    width (int): width of those vectors.
    hidden (int): width of the scorers.
    rough_k (int): antecedent candidates kept per word by the bilinear scorer.
    max_distance (int): furthest antecedent, in words (bounds time and memory on long docs).
    span_left (int): most words a mention may start before its head.
    span_right (int): most words a mention may end after its head.
    dropout (float): dropout rate in training.
    n_layers (int): encoder layers side by side in the token vectors (FrozenTransformer.v1 with
        all_layers: 7 for MiniLM-L6), mixed with learned weights; 1 for plain vectors.
    RETURNS (Model[List[Doc], List[WordCorefOutput]]): the model.
    """
    return word_coref_model(tok2vec, width, hidden, rough_k, max_distance, span_left, span_right, dropout, n_layers)


def word_coref_model(
    tok2vec: Model[List[Doc], List[Floats2d]],
    width: int,
    hidden: int,
    rough_k: int,
    max_distance: int,
    span_left: int,
    span_right: int,
    dropout: float,
    n_layers: int,
    mention_scorer: bool = False,
) -> Model[List[Doc], List[WordCorefOutput]]:
    """What WordCoref.v1 and .v2 build; v2 sets `mention_scorer`."""
    from thinc.api import PyTorchWrapper_v2

    from ..layers.pytorch_shim import keep_eval_mode
    from .torch_model import WordCorefScorer

    for key, value in (
        ("width", width),
        ("hidden", hidden),
        ("rough_k", rough_k),
        ("max_distance", max_distance),
        ("span_left", span_left),
        ("span_right", span_right),
        ("n_layers", n_layers),
    ):
        if not isinstance(value, int) or value < 1:
            raise ValueError(Errors.E067.format(name=key, value=value, detail="must be a positive integer"))
    if width % n_layers:
        raise ValueError(
            Errors.E067.format(name="width", value=width, detail=f"must be a multiple of n_layers ({n_layers})")
        )
    scorer = keep_eval_mode(
        PyTorchWrapper_v2(
            WordCorefScorer(
                width, hidden, rough_k, max_distance, span_left, span_right, dropout, n_layers, mention_scorer
            ),
            convert_inputs=convert_scorer_inputs,
            convert_outputs=convert_scorer_outputs,
        )
    )
    model = Model(
        "word_coref",
        word_coref_forward,
        init=word_coref_init,
        layers=[tok2vec, scorer],
        dims={"nI": width},
        attrs={"span_left": span_left, "span_right": span_right, "mention_scorer": mention_scorer},
    )
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("scorer", scorer)
    return model


def word_coref_init(model: Model, X=None, Y=None) -> None:
    tok2vec = model.get_ref("tok2vec")
    tok2vec.initialize(X=X)
    width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    if width is not None and width != model.get_dim("nI"):
        raise ValueError(
            Errors.E067.format(
                name="width",
                value=model.get_dim("nI"),
                detail=f"the token vectors have {width} dimensions: set width = {width}",
            )
        )


def word_coref_forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[WordCorefOutput], Callable]:
    vectors, backprop_tok2vec = model.get_ref("tok2vec")(docs, is_train)
    outputs, backprop_scores = score_vectors(model, docs, vectors, is_train)

    def backprop(d_outputs: List[Optional[Tuple[Floats2d, Floats3d, Optional[Floats1d]]]]) -> List:
        return backprop_tok2vec(backprop_scores(d_outputs))

    return outputs, backprop


def score_vectors(
    model: Model, docs: List[Doc], vectors: List[Floats2d], is_train: bool
) -> Tuple[List[WordCorefOutput], Callable]:
    """The scorer over token vectors, one doc at a time; the backprop returns the vectors' gradients."""
    scorer = model.get_ref("scorer")
    window = model.attrs["span_left"] + model.attrs["span_right"] + 1
    ops = model.ops
    outputs, callbacks = [], []
    for doc, tokens in zip(docs, vectors):
        if len(doc) == 0:
            outputs.append(
                WordCorefOutput(ops.alloc2i(0, 1), ops.alloc2f(0, 1), ops.alloc3f(0, window, 2), ops.alloc1f(0))
            )
            callbacks.append(None)
            continue
        (cands, scores, spans, mentions), backprop = scorer(tokens, is_train)
        outputs.append(WordCorefOutput(cands, scores, spans, mentions))
        callbacks.append(backprop)

    def backprop(d_outputs: List[Optional[Tuple[Floats2d, Floats3d, Optional[Floats1d]]]]) -> List[Floats2d]:
        d_vectors = []
        for tokens, callback, d_out in zip(vectors, callbacks, d_outputs):
            if callback is None or d_out is None:
                d_vectors.append(ops.alloc2f(*tokens.shape))
            else:
                d_vectors.append(callback(d_out))
        return d_vectors

    return outputs, backprop


def convert_scorer_inputs(model: Model, tokens: Floats2d, is_train: bool):
    device = torch_device(model)
    tensor = xp2torch(model.ops.asarray2f(tokens), requires_grad=is_train, device=device)

    def backprop(d_inputs: ArgsKwargs) -> Floats2d:
        grad = d_inputs.args[0]
        return model.ops.asarray2f(torch2xp(grad)) if grad is not None else model.ops.alloc2f(*tokens.shape)

    return ArgsKwargs(args=(tensor,), kwargs={}), backprop


def convert_scorer_outputs(model: Model, inputs_outputs, is_train: bool):
    _, (cands, scores, spans, mentions) = inputs_outputs

    def backprop(d_outputs: Tuple[Floats2d, Floats3d, Optional[Floats1d]]) -> ArgsKwargs:
        d_scores, d_spans, d_mentions = d_outputs
        device = scores.device
        tensors, grads = [scores, spans], [xp2torch(d_scores, device=device), xp2torch(d_spans, device=device)]
        if d_mentions is not None and mentions.requires_grad:
            tensors.append(mentions)
            grads.append(xp2torch(d_mentions, device=device))
        return ArgsKwargs(args=(tuple(tensors),), kwargs={"grad_tensors": tuple(grads)})

    out = tuple(torch2xp(t.detach()) for t in (cands, scores, spans, mentions))
    return out, backprop


def scorer_module(model: Model):
    """The torch WordCorefScorer inside a WordCoref model (to load or save its weights)."""
    return get_torch_module(model.get_ref("scorer"))
