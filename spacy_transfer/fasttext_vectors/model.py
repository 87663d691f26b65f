"""Thinc layers: fastText subword vectors as input features for any tok2vec.

`spacy_transfer.FastTextEmbed.v1` maps each token to its (static) fastText vector, OOV words included, and
projects it to `width` with a trainable Maxout or Linear layer, for use as the `embed` of `spacy.Tok2Vec.v2`.
"""

from typing import List, Optional, Tuple

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Dropout, Linear, Maxout, Model, chain, with_array
from thinc.types import Floats2d

from ..errors import Errors
from .vectors import FastTextVectors, open_vectors


@registry.layers("spacy_transfer.FastTextEmbed.v1")
def build_fasttext_embed(
    path: Optional[str], width: int, lowercase: bool = False, maxout_pieces: int = 3, dropout: Optional[float] = None
) -> Model[List[Doc], List[Floats2d]]:
    """Embed tokens with fastText vectors, then project them: Maxout(width)(fastText(token)).

    path (str): fastText `.bin`/`.vec` or `init-fasttext` directory (opened lazily, shared with the component).
    width (int): output width.
    lowercase (bool): look up lower-cased token texts.
    maxout_pieces (int): Maxout pieces of the projection; 0 or 1 means a Linear projection.
    dropout (Optional[float]): dropout after the projection.
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens, width) array per doc.
    """
    if maxout_pieces > 1:
        projection = Maxout(nO=width, nP=maxout_pieces, normalize=True)
    else:
        projection = Linear(nO=width)
    if dropout:
        projection = chain(projection, Dropout(dropout))
    model: Model[List[Doc], List[Floats2d]] = chain(build_fasttext_static(path, lowercase), with_array(projection))
    model.name = "fasttext_embed"
    return model


@registry.layers("spacy_transfer.FastTextStatic.v1")
def build_fasttext_static(path: Optional[str], lowercase: bool = False) -> Model[List[Doc], List[Floats2d]]:
    """Static fastText vectors of each doc's tokens (no trainable weights, no gradient to the input).

    path (str): fastText `.bin`/`.vec` or `init-fasttext` directory.
    lowercase (bool): look up lower-cased token texts.
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens, dim) array per doc.
    """
    # a null path is allowed in the config (filled in by --paths.fasttext); it fails when the layer is used
    return Model(
        "fasttext_static",
        _static_forward,
        init=_static_init,
        attrs={"vectors": VectorsRef(path), "lowercase": lowercase},
        dims={"nO": None},
    )


class VectorsRef:
    """Where a layer's vectors are. Deliberately not msgpack-serializable, so Thinc leaves it out of the saved
    model: the path comes from the config, and `spacy.load(..., config={"paths": {"fasttext": NEW}})` can move
    a trained pipeline's vectors (a serialized attr would overwrite it with the old path on load)."""

    def __init__(self, path: Optional[str]):
        self.path = None if path is None else str(path)


def _table(model: Model) -> FastTextVectors:
    path = model.attrs["vectors"].path
    if not path:
        raise ValueError(Errors.E111)
    return open_vectors(path)


def _static_init(model: Model, X: Optional[List[Doc]] = None, Y=None) -> None:
    model.set_dim("nO", _table(model).dim, force=True)


def _static_forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], object]:
    table = _table(model)
    lower = model.attrs["lowercase"]
    words = [t.lower_ if lower else t.text for doc in docs for t in doc]
    vectors = model.ops.asarray2f(table.get_vectors(words)) if words else model.ops.alloc2f(0, table.dim)
    lengths = model.ops.asarray1i([len(doc) for doc in docs])
    output = model.ops.unflatten(vectors, lengths) if docs else []

    def backprop(d_output: List[Floats2d]) -> List[Doc]:
        return []

    return list(output), backprop
