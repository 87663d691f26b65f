"""The registered Thinc architecture: neuralcoref's mention-ranking scorer in PyTorch."""

from typing import Callable, Tuple

from spacy.util import registry
from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v2, torch2xp, xp2torch
from thinc.types import Floats1d

from ..layers.pytorch_shim import keep_eval_mode
from .features import CorefFeatures

Scores = Tuple[Floats1d, Floats1d]


@registry.architectures("spacy_transfer.CorefScorer.v1")
def build_coref_scorer(
    hidden1: int = 1000, hidden2: int = 500, hidden3: int = 500, dropout: float = 0.0
) -> Model[CorefFeatures, Scores]:
    """Single-mention and mention-pair scores from neuralcoref features.

    hidden1, hidden2, hidden3 (int): widths of the three ReLU layers (1000/500/500 for the
        pretrained English model).
    dropout (float): dropout after each hidden layer during training.
    RETURNS (Model[CorefFeatures, Tuple[Floats1d, Floats1d]]): single scores (n_mentions,)
        and pair scores (n_pairs,).
    """
    from .torch_model import MentionRanker

    return keep_eval_mode(
        PyTorchWrapper_v2(
            MentionRanker(hidden1, hidden2, hidden3, dropout),
            convert_inputs=convert_coref_inputs,
            convert_outputs=convert_coref_outputs,
        )
    )


def convert_coref_inputs(model: Model, X: CorefFeatures, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    import torch

    args = (
        xp2torch(model.ops.asarray(X.embeddings), requires_grad=False),
        xp2torch(model.ops.asarray(X.single), requires_grad=False),
        torch.as_tensor(X.ant, dtype=torch.long),
        torch.as_tensor(X.men, dtype=torch.long),
        xp2torch(model.ops.asarray(X.pair), requires_grad=False),
    )
    # Features are fixed inputs (the word vectors are not tuned here): no gradient to return.
    return ArgsKwargs(args=args, kwargs={}), lambda d_inputs: X


def convert_coref_outputs(model: Model, inputs_outputs, is_train: bool):
    _, (single, pairs) = inputs_outputs
    Y = (torch2xp(single), torch2xp(pairs))

    def convert_for_torch_backward(dY: Scores) -> ArgsKwargs:
        d_single, d_pairs = dY
        return ArgsKwargs(
            args=((single, pairs),),
            kwargs={"grad_tensors": (xp2torch(d_single), xp2torch(d_pairs))},
        )

    return Y, convert_for_torch_backward
