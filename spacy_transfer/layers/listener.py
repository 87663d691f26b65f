"""A listener layer: a downstream component's stand-in for a shared upstream encoder.

During training the upstream component runs once per batch and hands its per-token outputs and a backprop
callback to every listener (`receive`); the listener's gradient flows back through that callback. At
prediction time the listener reads what the upstream component stored on the docs: doc._.trf_data["tokens"]
(also doc.tensor, which DocBin does not keep).
"""

from typing import Callable, List, Optional, Tuple

from spacy.attrs import ORTH
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from ..errors import Errors

TRF_DATA_ATTR = "trf_data"


@registry.architectures("spacy_transfer.TransformerListener.v1")
def build_transformer_listener(
    upstream: str = "*", width: Optional[int] = None, grad_factor: float = 1.0
) -> Model[List[Doc], List[Floats2d]]:
    """Per-token vectors from an upstream transformer_encoder in the same pipeline.

    upstream (str): name of the upstream component, or "*" for any transformer_encoder.
    width (Optional[int]): output width; None takes the encoder's width when the encoder initializes.
    grad_factor (float): scale of the gradient sent upstream (0 freezes the encoder for this component).
    RETURNS (Model[List[Doc], List[Floats2d]]): one (n_tokens x width) array per doc.
    """
    return TransformerListener(upstream, width=width, grad_factor=grad_factor)


class TransformerListener(Model):
    """Stand-in for an upstream encoder; see the module docstring."""

    name = "transformer_listener"

    def __init__(self, upstream_name: str, *, width: Optional[int], grad_factor: float) -> None:
        Model.__init__(
            self,
            name=self.name,
            forward=listener_forward,
            init=listener_init,
            dims={"nO": width},
            attrs={"grad_factor": grad_factor},
        )
        self.upstream_name = upstream_name
        self.component_name = "?"  # set by the upstream component's add_listener
        self.upstream_linked = False  # whether an upstream component has registered this listener
        self._batch_id: Optional[int] = None
        self._outputs: Optional[List[Floats2d]] = None
        self._backprop: Optional[Callable] = None
        self._init_pass = False

    @staticmethod
    def get_batch_id(docs: List[Doc]) -> int:
        """A cheap fingerprint of a batch, to check that listener and upstream saw the same docs."""
        return int(sum(int(doc.to_array(ORTH).sum()) + len(doc) for doc in docs)) + 1_000_003 * len(docs)

    def receive(self, batch_id: int, outputs: List[Floats2d], backprop: Callable) -> None:
        """Store the upstream outputs for the next training forward pass."""
        self._batch_id = batch_id
        self._outputs = outputs
        self._backprop = backprop
        self._init_pass = False

    def clear(self) -> None:
        self._batch_id = self._outputs = self._backprop = None


def listener_init(model: TransformerListener, X: Optional[List[Doc]] = None, Y=None) -> None:
    # The caller's init (e.g. chain, possibly nested) predicts on X to size later layers. Those docs were not
    # run through the encoder, so until the encoder sends a batch or annotated docs show up, docs without
    # output give zeros instead of raising E363.
    model._init_pass = True


def listener_forward(model: TransformerListener, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    if is_train and model._batch_id is not None and model._batch_id == model.get_batch_id(docs):
        outputs, upstream_backprop = model._outputs, model._backprop
        model.clear()
        grad_factor = model.attrs["grad_factor"]

        def backprop(d_outputs: List[Floats2d]) -> List:
            if grad_factor != 1.0:
                d_outputs = [d * grad_factor for d in d_outputs]
            return upstream_backprop(d_outputs)

        return outputs, backprop
    if any(_has_output(doc) for doc in docs):
        model._init_pass = False
    init_pass = model._init_pass
    if is_train and not all(_has_output(doc) for doc in docs):
        # A frozen encoder in [training] annotating_components has set the docs: then we use them below.
        raise ValueError(
            Errors.E362.format(
                listener=model.component_name,
                upstream=model.upstream_name,
                expected=model._batch_id,
                got=model.get_batch_id(docs),
            )
        )
    return [_doc_output(model, doc, init_pass) for doc in docs], lambda d_outputs: []


def _has_output(doc: Doc) -> bool:
    return Doc.has_extension(TRF_DATA_ATTR) and doc._.get(TRF_DATA_ATTR) is not None


def _doc_output(model: TransformerListener, doc: Doc, init_pass: bool) -> Floats2d:
    width = model.get_dim("nO") if model.has_dim("nO") else None
    if not _has_output(doc):
        if init_pass and model.upstream_linked and width is not None:
            return model.ops.alloc2f(len(doc), width)
        raise ValueError(
            Errors.E363.format(listener=model.component_name, n_tokens=len(doc), upstream=model.upstream_name)
        )
    data = doc._.get(TRF_DATA_ATTR)
    data_width = int(data["width"])
    if width is not None and width != data_width:
        raise ValueError(
            Errors.E364.format(
                listener=model.component_name, width=width, upstream=model.upstream_name, hidden=data_width
            )
        )
    tokens = data["tokens"]
    if tokens.shape != (len(doc), data_width):
        raise ValueError(Errors.E365.format(shape=tokens.shape, n_tokens=len(doc), width=data_width))
    return model.ops.asarray2f(tokens)
