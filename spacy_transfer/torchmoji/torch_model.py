"""The DeepMoji / torchMoji network as plain PyTorch modules (imports only torch).

Parameter names and shapes follow torchMoji's `TorchMoji` module, so its
`pytorch_model.bin` loads with `load_state_dict` (see io.py):

    embed.weight                          n_tokens x embed_width
    lstm_0.weight_ih_l0[_reverse]         4*hidden x embed_width
    lstm_0.weight_hh_l0[_reverse]         4*hidden x hidden
    lstm_0.bias_ih_l0[_reverse]           4*hidden           (also bias_hh)
    lstm_1.*                              as lstm_0, input 2*hidden
    attention_layer.attention_vector      4*hidden + embed_width
    output_layer.0.weight / .bias         n_labels x (4*hidden + embed_width)

Gate order inside the 4*hidden rows is PyTorch's: input, forget, cell, output.
"""
import math
from typing import List, Optional, Tuple

import torch
from torch import Tensor, nn


def hard_sigmoid(x: Tensor) -> Tensor:
    """Keras's hard sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


@torch.jit.script
def _recurrence(gates_x: Tensor, w_hh: Tensor, batch_sizes: List[int]) -> Tensor:
    """Run both directions of a hard-sigmoid LSTM layer over time at once.

    The input projections of every timestep were computed beforehand in one matmul,
    so a step only costs one batched matmul for the two directions plus the gates.
    Sequences are sorted by length (longest first) and the reverse direction is
    already flipped within each sequence, so at step t only the first
    batch_sizes[t] rows are alive: like a PackedSequence, padding is never computed.

    gates_x (Tensor): 2 x n_steps x batch x 4*hidden, input projections plus biases.
    w_hh (Tensor): 2 x hidden x 4*hidden, transposed recurrent kernels.
    batch_sizes (List[int]): number of live sequences per step, non-increasing.
    RETURNS (Tensor): 2 x sum(batch_sizes) x hidden, the hidden states, packed by step.
    """
    hidden = w_hh.shape[1]
    batch = gates_x.shape[2]
    h = gates_x.new_zeros((2, batch, hidden))
    c = gates_x.new_zeros((2, batch, hidden))
    outputs: List[Tensor] = []
    for t in range(len(batch_sizes)):
        n = batch_sizes[t]
        h = h[:, :n]
        c = c[:, :n]
        gates = gates_x[:, t, :n] + torch.bmm(h, w_hh)
        i, f, g, o = gates.chunk(4, 2)
        c = torch.clamp(0.2 * f + 0.5, 0.0, 1.0) * c + torch.clamp(
            0.2 * i + 0.5, 0.0, 1.0
        ) * torch.tanh(g)
        h = torch.clamp(0.2 * o + 0.5, 0.0, 1.0) * torch.tanh(c)
        outputs.append(h)
    return torch.cat(outputs, 1)


class Batch:
    """Index bookkeeping for one padded batch, shared by both LSTM layers.

    lengths (Tensor): batch, sequence lengths (all >= 1) in the caller's order.
    """

    def __init__(self, lengths: Tensor, n_steps: int):
        device = lengths.device
        self.lengths, self.order = torch.sort(lengths, descending=True)
        self.n_steps = n_steps
        batch = lengths.shape[0]
        steps = torch.arange(n_steps, device=device)
        # alive[t, b]: position t of the (sorted) sequence b holds a token.
        alive = steps.unsqueeze(1) < self.lengths.unsqueeze(0)
        self.mask = alive.t()  # batch x n_steps
        self.batch_sizes: List[int] = alive.sum(1).tolist()
        # flip[t, b]: the position that comes t-th when sequence b is read backwards.
        flip = self.lengths.unsqueeze(0) - 1 - steps.unsqueeze(1)
        self.flip = torch.where(alive, flip, steps.unsqueeze(1).expand(-1, batch))
        # Row of each packed state in the flattened (n_steps * batch) padded grid.
        self.packed_rows = (steps.unsqueeze(1) * batch + torch.arange(batch, device=device))[alive]


class HardSigmoidLSTM(nn.Module):
    """A bidirectional one-layer LSTM whose input, forget and output gates use
    Keras's hard sigmoid, as in DeepMoji. Parameter names match torchMoji's
    `LSTMHardSigmoid(bidirectional=True)`.

    input_size (int): width of the input vectors.
    hidden_size (int): width of the hidden state of each direction.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        gates = 4 * hidden_size
        for suffix in ("", "_reverse"):
            setattr(self, f"weight_ih_l0{suffix}", nn.Parameter(torch.empty(gates, input_size)))
            setattr(self, f"weight_hh_l0{suffix}", nn.Parameter(torch.empty(gates, hidden_size)))
            setattr(self, f"bias_ih_l0{suffix}", nn.Parameter(torch.zeros(gates)))
            setattr(self, f"bias_hh_l0{suffix}", nn.Parameter(torch.zeros(gates)))

    def forward(self, x: Tensor, batch: Batch) -> Tensor:
        """x (Tensor): n_steps x batch x input_size, time-major, sorted as `batch`.
        RETURNS (Tensor): n_steps x batch x 2*hidden, zeros at padding.
        """
        n_steps, n_seqs, _ = x.shape
        w_ih = torch.cat([self.weight_ih_l0, self.weight_ih_l0_reverse], 0)
        b = torch.cat(
            [self.bias_ih_l0 + self.bias_hh_l0, self.bias_ih_l0_reverse + self.bias_hh_l0_reverse]
        )
        # One matmul for every timestep and both directions.
        gates_x = torch.addmm(b, x.reshape(n_steps * n_seqs, -1), w_ih.t())
        gates_x = gates_x.view(n_steps, n_seqs, 2, -1)
        fwd = gates_x[:, :, 0]
        bwd = _flip(gates_x[:, :, 1], batch.flip)
        w_hh = torch.stack([self.weight_hh_l0.t(), self.weight_hh_l0_reverse.t()])
        packed = _recurrence(torch.stack([fwd, bwd]), w_hh, batch.batch_sizes)
        hidden = self.hidden_size
        grid = packed.new_zeros((2, n_steps * n_seqs, hidden))
        grid = grid.index_copy(1, batch.packed_rows, packed).view(2, n_steps, n_seqs, hidden)
        return torch.cat([grid[0], _flip(grid[1], batch.flip)], 2)


def _flip(x: Tensor, flip: Tensor) -> Tensor:
    """Reverse each sequence of a time-major tensor within its own length."""
    index = flip.unsqueeze(2).expand(-1, -1, x.shape[2])
    return torch.gather(x, 0, index)


class Attention(nn.Module):
    """Attention-weighted average over time with one learned context vector.

    attention_size (int): width of the vectors being averaged.
    """

    def __init__(self, attention_size: int):
        super().__init__()
        self.attention_size = attention_size
        self.attention_vector = nn.Parameter(torch.empty(attention_size))

    def forward(self, x: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
        """x (Tensor): batch x n_steps x attention_size; mask (Tensor): batch x n_steps bool.
        RETURNS (Tuple[Tensor, Tensor]): batch x attention_size averages, batch x n_steps weights.
        """
        logits = x.matmul(self.attention_vector).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=1)
        return torch.bmm(weights.unsqueeze(1), x).squeeze(1), weights


class SpatialDropout(nn.Module):
    """Drop whole embedding channels of a sequence (Keras SpatialDropout1D), so a
    short text does not lose entire words.
    """

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, x: Tensor) -> Tensor:
        """x (Tensor): n_steps x batch x width. RETURNS (Tensor): same shape."""
        if not self.training or self.rate == 0.0:
            return x
        keep = x.new_empty((1, x.shape[1], x.shape[2])).bernoulli_(1.0 - self.rate)
        return x * keep / (1.0 - self.rate)


class TorchMoji(nn.Module):
    """DeepMoji: embedding -> tanh -> biLSTM -> biLSTM -> attention over
    [lstm_1, lstm_0, embedding] -> dropout -> linear.

    n_tokens (int): vocabulary size. embed_width (int): 256 in DeepMoji.
    hidden_width (int): LSTM width per direction, 512 in DeepMoji.
    n_labels (int): output width. embed_dropout, final_dropout (float): dropout rates.
    """

    def __init__(
        self,
        n_tokens: int,
        embed_width: int,
        hidden_width: int,
        n_labels: int,
        embed_dropout: float = 0.0,
        final_dropout: float = 0.0,
    ):
        super().__init__()
        self.hidden_width = hidden_width
        self.feature_width = 4 * hidden_width + embed_width
        self.embed = nn.Embedding(n_tokens, embed_width)
        self.embed_dropout = SpatialDropout(embed_dropout)
        self.lstm_0 = HardSigmoidLSTM(embed_width, hidden_width)
        self.lstm_1 = HardSigmoidLSTM(2 * hidden_width, hidden_width)
        self.attention_layer = Attention(self.feature_width)
        self.final_dropout = nn.Dropout(final_dropout)
        self.output_layer = nn.Sequential(nn.Linear(self.feature_width, n_labels))
        self.init_weights()

    def init_weights(self) -> None:
        """Keras defaults, as torchMoji: uniform embeddings, glorot-uniform input
        kernels, orthogonal recurrent kernels, zero biases (torchMoji also zeroes the
        forget-gate bias), uniform(-0.05, 0.05) attention vector.
        """
        nn.init.uniform_(self.embed.weight, -0.5, 0.5)
        for name, param in self.named_parameters():
            if "weight_ih" in name:
                nn.init.xavier_uniform_(param)
            elif "weight_hh" in name:
                nn.init.orthogonal_(param)
            elif "bias" in name:
                nn.init.zeros_(param)
        nn.init.uniform_(self.attention_layer.attention_vector, -0.05, 0.05)
        nn.init.xavier_uniform_(self.output_layer[0].weight)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tuple[Tensor, Tensor]:
        """ids (Tensor): batch x n_steps token ids, padded with anything after the end.
        lengths (Tensor): batch, lengths >= 1.
        RETURNS (Tuple[Tensor, Tensor]): batch x n_labels logits and the
            batch x feature_width attention features, in input order.
        """
        n_steps = int(lengths.max())
        batch = Batch(lengths, n_steps)
        ids = ids[batch.order, :n_steps].t()  # time-major, sorted
        x = self.embed_dropout(torch.tanh(self.embed(ids)))
        out_0 = self.lstm_0(x, batch)
        out_1 = self.lstm_1(out_0, batch)
        # Concatenation order matters for torchMoji checkpoints.
        stacked = torch.cat([out_1, out_0, x], 2).transpose(0, 1)
        features, _ = self.attention_layer(stacked, batch.mask)
        logits = self.output_layer(self.final_dropout(features))
        unsort = torch.empty_like(batch.order)
        unsort[batch.order] = torch.arange(batch.order.shape[0], device=ids.device)
        return logits[unsort], features[unsort]

    def layer_groups(self) -> List[Tuple[str, List[nn.Parameter]]]:
        """The trainable layers in DeepMoji's chain-thaw order (input to output)."""
        return [
            ("embed", list(self.embed.parameters())),
            ("lstm_0", list(self.lstm_0.parameters())),
            ("lstm_1", list(self.lstm_1.parameters())),
            ("attention_layer", list(self.attention_layer.parameters())),
            ("output_layer", list(self.output_layer.parameters())),
        ]


def naive_hard_sigmoid_lstm(
    x: Tensor, lengths: Tensor, layer: HardSigmoidLSTM, reverse: bool
) -> Tensor:
    """Reference: one direction computed step by step per sequence the way torchMoji
    does (a Python loop over an LSTM cell, input projection at every step).

    x (Tensor): n_steps x batch x input_size. lengths (Tensor): batch.
    RETURNS (Tensor): n_steps x batch x hidden, zeros at padding.
    """
    suffix = "_reverse" if reverse else ""
    w_ih = getattr(layer, f"weight_ih_l0{suffix}")
    w_hh = getattr(layer, f"weight_hh_l0{suffix}")
    b_ih = getattr(layer, f"bias_ih_l0{suffix}")
    b_hh = getattr(layer, f"bias_hh_l0{suffix}")
    out = x.new_zeros((x.shape[0], x.shape[1], layer.hidden_size))
    for b in range(x.shape[1]):
        h = x.new_zeros((1, layer.hidden_size))
        c = x.new_zeros((1, layer.hidden_size))
        n = int(lengths[b])
        steps = range(n - 1, -1, -1) if reverse else range(n)
        for t in steps:
            gates = nn.functional.linear(x[t, b : b + 1], w_ih, b_ih) + nn.functional.linear(
                h, w_hh, b_hh
            )
            i, f, g, o = gates.chunk(4, 1)
            c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
            h = hard_sigmoid(o) * torch.tanh(c)
            out[t, b] = h[0]
    return out


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def glorot_limit(fan_in: int, fan_out: int) -> float:
    return math.sqrt(6.0 / (fan_in + fan_out))
