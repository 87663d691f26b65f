"""Hugging Face encoders that give every hidden layer, side by side or mixed with learned weights
(imports torch; used by FrozenTransformer.v1 with all_layers = true and by TunedTransformer.v1)."""

from typing import List, Optional, Sequence

import torch
from torch import nn

from ..errors import Errors
from .transformer import set_transformer


def kept_indices(config, keep: Optional[Sequence[int]]) -> List[int]:
    """The hidden states a wrapper gives, in order: `keep`, or all of them (the embeddings and every layer)."""
    return list(keep) if keep is not None else list(range(config.num_hidden_layers + 1))


class AllLayersOutput:
    """What the window encoder reads: `last_hidden_state`, here all layers side by side."""

    def __init__(self, states: torch.Tensor) -> None:
        self.last_hidden_state = states


class AllLayers(nn.Module):
    """Wraps a transformers encoder: its output is the embeddings and every layer's states,
    concatenated (batch x length x (n_layers + 1) * hidden); with `keep`, only those hidden states
    (0: the embeddings, i: layer i), in that order."""

    def __init__(self, inner: nn.Module, keep: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.keep = kept_indices(inner.config, keep)
        self.width = inner.config.hidden_size * len(self.keep)

    def forward(self, input_ids: torch.Tensor, attention_mask=None) -> AllLayersOutput:
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return AllLayersOutput(torch.cat([out.hidden_states[i] for i in self.keep], dim=-1))


class MixedLayers(nn.Module):
    """Wraps a transformers encoder: its output is a learned softmax mix of the embeddings and every layer's
    states (ELMo's scalar mix), batch x length x hidden.

    Mixing here, before windows are merged and wordpieces pooled, gives what mixing the pooled layers would
    (both are linear) at a seventh of the pooling work and memory for a 6-layer model. With `keep`, only those
    hidden states are mixed.
    """

    def __init__(self, inner: nn.Module, keep: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.keep = kept_indices(inner.config, keep)
        self.layer_logits = nn.Parameter(torch.zeros(len(self.keep)))

    def forward(self, input_ids: torch.Tensor, attention_mask=None) -> AllLayersOutput:
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        weights = torch.softmax(self.layer_logits, dim=0)
        states = torch.stack([out.hidden_states[i] for i in self.keep], dim=-2)  # batch x length x layers x hidden
        return AllLayersOutput((states * weights.unsqueeze(-1)).sum(-2))


def set_encoder_layers(
    encoder, transformer: nn.Module, tokenizer, layers: str, keep: Optional[Sequence[int]] = None
) -> None:
    """Put a loaded Hugging Face model into a TransformerModel.v1, giving the hidden states `layers` names:
    "mix" (MixedLayers), "concat" (AllLayers, width (n_layers + 1) x hidden, or len(keep) x hidden) or "last".

    keep (Optional[Sequence[int]]): for "mix" and "concat", only these hidden states (0: the embeddings).
    RAISES (ValueError): E361 where `keep` names a hidden state the encoder lacks.
    """
    n_states = transformer.config.num_hidden_layers + 1
    if keep is not None and max(keep) >= n_states:
        detail = f"the encoder has hidden states 0 (embeddings) to {n_states - 1}"
        raise ValueError(Errors.E361.format(key="hidden_layers", value=list(keep), detail=detail))
    if layers == "concat":
        wrapped = AllLayers(transformer, keep)
    elif layers == "mix":
        wrapped = MixedLayers(transformer, keep)
    else:
        wrapped = transformer
    set_transformer(encoder, wrapped, tokenizer)
    if layers == "concat":
        encoder.set_dim("nO", wrapped.width, force=True)
