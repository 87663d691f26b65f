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

import warnings
from typing import List, Optional, Tuple

import torch
from torch import Tensor, nn


def hard_sigmoid(x: Tensor) -> Tensor:
    """Keras's hard sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def _recurrence(gates_x: Tensor, w_hh: Tensor, batch_sizes: List[int]) -> Tensor:
    """Run both directions of a hard-sigmoid LSTM layer over time at once.

    The input projections of every timestep were computed beforehand in one matmul,
    so a step costs one batched matmul for the two directions plus five elementwise
    ops. Gate rows are reordered to (input, forget, output, cell) and the three
    hard-sigmoid gates are pre-scaled (0.2 * W, 0.2 * b + 0.5), so the hard sigmoid
    is a single clamp. Sequences are sorted by length (longest first) and the
    reverse direction is already flipped within each sequence, so at step t only the
    first batch_sizes[t] rows are alive: as with a PackedSequence, padding is never
    computed.

    gates_x (Tensor): 2 x n_tokens x 4*hidden, fused input projections, packed.
    w_hh (Tensor): 2 x hidden x 4*hidden, fused transposed recurrent kernels.
    batch_sizes (List[int]): number of live sequences per step, non-increasing.
    RETURNS (Tensor): 2 x sum(batch_sizes) x hidden, the hidden states, packed by step.
    """
    hidden = w_hh.shape[1]
    batch = batch_sizes[0]
    h = gates_x.new_zeros((2, batch, hidden))
    c = gates_x.new_zeros((2, batch, hidden))
    outputs: List[Tensor] = []
    # Few ops per step: the per-step overhead is what a loop over time costs on CPU.
    for step_x in gates_x.split(batch_sizes, 1):
        n = step_x.shape[1]
        if n < h.shape[1]:
            h = h[:, :n]
            c = c[:, :n]
        gates = torch.baddbmm(step_x, h, w_hh)
        i, f, o = gates[:, :, : 3 * hidden].clamp(0.0, 1.0).split(hidden, 2)
        c = torch.addcmul(f * c, i, torch.tanh(gates[:, :, 3 * hidden :]))
        h = o * torch.tanh(c)
        outputs.append(h)
    return torch.cat(outputs, 1)


with warnings.catch_warnings():
    # TorchScript is deprecated in favour of torch.compile, but compiling per
    # sequence length is far slower here; scripting halves per-step overhead.
    warnings.simplefilter("ignore", DeprecationWarning)
    _recurrence = torch.jit.script(_recurrence)


def _fuse_gates(w: Tensor, hidden: int, shift: bool) -> Tensor:
    """Reorder PyTorch's gate rows (i, f, g, o) to (i, f, o, g) and fold the hard
    sigmoid's 0.2 * x + 0.5 into the i, f, o rows (the shift only into biases).
    """
    i, f, g, o = w.split(hidden, 0)
    ifo = torch.cat([i, f, o], 0) * 0.2
    if shift:
        ifo = ifo + 0.5
    return torch.cat([ifo, g], 0)


class Batch:
    """Packed layout of one batch, shared by both LSTM layers.

    Tokens are stored packed by time step, as in a PackedSequence: sequences are
    sorted by length (longest first) and step t holds the batch_sizes[t] sequences
    that are still alive, so no padding is ever computed.

    lengths (Tensor): batch, sequence lengths (all >= 1) in the caller's order.
    """

    def __init__(self, lengths: Tensor):
        device = lengths.device
        self.lengths, self.order = torch.sort(lengths, descending=True)
        self.n_steps = n_steps = int(self.lengths[0])
        batch = lengths.shape[0]
        steps = torch.arange(n_steps, device=device)
        # alive[t, b]: position t of the (sorted) sequence b holds a token.
        alive = steps.unsqueeze(1) < self.lengths.unsqueeze(0)
        self.mask = alive.t()  # batch x n_steps
        self.batch_sizes: List[int] = alive.sum(1).tolist()
        # Packed row -> (t, b) and back.
        t_of, b_of = alive.nonzero(as_tuple=True)
        row = torch.full((n_steps, batch), -1, dtype=torch.long, device=device)
        row[t_of, b_of] = torch.arange(t_of.shape[0], device=device)
        # rev_rows[r]: the packed row holding the same sequence read backwards.
        self.rev_rows = row[self.lengths[b_of] - 1 - t_of, b_of]
        # Where each packed row goes in a batch-first padded grid.
        self.padded_rows = b_of * n_steps + t_of
        # Packed rows in the sorted batch-first token order (for embedding lookup).
        self.token_index = (t_of, b_of)


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
            setattr(
                self,
                f"weight_ih_l0{suffix}",
                nn.Parameter(torch.empty(gates, input_size)),
            )
            setattr(
                self,
                f"weight_hh_l0{suffix}",
                nn.Parameter(torch.empty(gates, hidden_size)),
            )
            setattr(self, f"bias_ih_l0{suffix}", nn.Parameter(torch.zeros(gates)))
            setattr(self, f"bias_hh_l0{suffix}", nn.Parameter(torch.zeros(gates)))
        self._fused_cache: Optional[tuple] = None

    def fused_weights(self) -> Tuple[Tensor, Tensor, Tensor]:
        """Both directions' weights in the layout _recurrence wants: input kernel
        (In x 8*hidden), bias (8*hidden), recurrent kernels (2 x hidden x 4*hidden).
        Cached while gradients are off and the parameters are unchanged: the key (storage address, version)
        sees torch's own in-place updates and `load_state_dict`, but not Thinc's optimizer, which updates the
        weights in place through numpy; its step ends with `reset_inference_cache` (layers/pytorch_shim.py).
        """
        params = list(self.parameters())
        key = [(p.data_ptr(), p._version) for p in params]
        cache = self._fused_cache
        if not torch.is_grad_enabled() and cache is not None and cache[0] == key:
            return cache[1]
        H = self.hidden_size
        w_ih = torch.cat([_fuse_gates(self.weight_ih_l0, H, False),
                          _fuse_gates(self.weight_ih_l0_reverse, H, False)], 0).t()  # fmt: skip
        bias = torch.cat([
            _fuse_gates(self.bias_ih_l0 + self.bias_hh_l0, H, True),
            _fuse_gates(self.bias_ih_l0_reverse + self.bias_hh_l0_reverse, H, True),
        ])  # fmt: skip
        w_hh = torch.stack([_fuse_gates(self.weight_hh_l0, H, False).t(),
                            _fuse_gates(self.weight_hh_l0_reverse, H, False).t()])  # fmt: skip
        fused = (w_ih.contiguous(), bias, w_hh.contiguous())
        self._fused_cache = (key, fused) if not torch.is_grad_enabled() else None
        return fused

    def reset_inference_cache(self) -> None:
        self._fused_cache = None

    def forward(self, x: Tensor, batch: Batch) -> Tensor:
        """x (Tensor): n_tokens x input_size, packed as `batch`.
        RETURNS (Tensor): n_tokens x 2*hidden, packed the same way.
        """
        w_ih, bias, w_hh = self.fused_weights()
        # One matmul for every timestep and both directions.
        gates_x = torch.addmm(bias, x, w_ih)
        four_h = 4 * self.hidden_size
        gates_x = torch.stack([gates_x[:, :four_h], gates_x[batch.rev_rows, four_h:]])
        packed = _recurrence(gates_x, w_hh, batch.batch_sizes)
        return torch.cat([packed[0], packed[1][batch.rev_rows]], 1)


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

    def forward(self, x: Tensor, seq_of_row: Tensor) -> Tensor:
        """x (Tensor): n_tokens x width, packed. seq_of_row (Tensor): n_tokens, the
        sequence of each row. RETURNS (Tensor): same shape as x.
        """
        if not self.training or self.rate == 0.0:
            return x
        n_seqs = int(seq_of_row.max()) + 1
        keep = x.new_empty((n_seqs, x.shape[1])).bernoulli_(1.0 - self.rate)
        return x * keep[seq_of_row] / (1.0 - self.rate)


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
        batch = Batch(lengths)
        t_of, b_of = batch.token_index
        ids = ids[batch.order][b_of, t_of]  # packed
        x = self.embed_dropout(torch.tanh(self.embed(ids)), b_of)
        out_0 = self.lstm_0(x, batch)
        out_1 = self.lstm_1(out_0, batch)
        # Concatenation order matters for torchMoji checkpoints.
        packed = torch.cat([out_1, out_0, x], 1)
        n_seqs, n_steps = batch.mask.shape
        padded = packed.new_zeros((n_seqs * n_steps, packed.shape[1]))
        padded = padded.index_copy(0, batch.padded_rows, packed).view(n_seqs, n_steps, -1)
        features, _ = self.attention_layer(padded, batch.mask)
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
