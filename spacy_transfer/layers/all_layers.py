"""A Hugging Face encoder that returns every hidden layer, for models that learn to mix them
(imports torch; used by FrozenTransformer.v1 with all_layers = true)."""
import torch
from torch import nn


class AllLayersOutput:
    """What the window encoder reads: `last_hidden_state`, here all layers side by side."""

    def __init__(self, states: torch.Tensor) -> None:
        self.last_hidden_state = states


class AllLayers(nn.Module):
    """Wraps a transformers encoder: its output is the embeddings and every layer's states,
    concatenated (batch x length x (n_layers + 1) * hidden)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config
        self.width = inner.config.hidden_size * (inner.config.num_hidden_layers + 1)

    def forward(self, input_ids: torch.Tensor, attention_mask=None) -> AllLayersOutput:
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return AllLayersOutput(torch.cat(out.hidden_states, dim=-1))
