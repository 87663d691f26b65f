"""Sentences/s of our TorchMoji network vs the anchor: the same network run the way
torchMoji runs its hard-sigmoid LSTM (a Python loop over time on a PackedSequence,
one LSTM-cell call per step and direction, input projection inside the cell).

Same weights, same inputs; the outputs must agree (max abs diff < 1e-5). Prints JSON.

It also prints a ceiling: the speed-up over the anchor that *any* float32 implementation of
this network could reach on this machine. Both versions must do the same multiply-adds, and
the recurrent ones form a chain of one matmul per time step that cannot start before the
previous one ends. The floor for one batch is therefore
    sum over steps of max(recurrent FLOPs / peak, recurrent weight bytes / weight stream rate)
    + all other FLOPs / peak,
with the peak GFLOP/s of a large square matmul and the rate at which one step's recurrent
matmul streams its weights (both measured in the same run, same thread count). At small
widths that rate includes a call's fixed cost, so the ceiling is then an underestimate of
what a compiled, fused kernel could do.

    python benchmarks/torchmoji_speed.py [--threads 1] [--batch-sizes 1,32] [--n-texts 256]
"""

import json
import time
from typing import List

import numpy as np
import torch
import typer
from torch import Tensor
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from spacy_transfer.torchmoji.torch_model import (
    HardSigmoidLSTM,
    TorchMoji,
    hard_sigmoid,
)


def anchor_cell(x: Tensor, h: Tensor, c: Tensor, w_ih, w_hh, b_ih, b_hh):
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
    return hard_sigmoid(o) * torch.tanh(c), c


def anchor_direction(data: Tensor, batch_sizes: List[int], weights, reverse: bool) -> Tensor:
    """One direction over packed data, torchMoji-style (VariableRecurrent[Reverse])."""
    hidden = weights[1].shape[1]
    outputs = []
    offsets = [0]
    for n in batch_sizes:
        offsets.append(offsets[-1] + n)
    if not reverse:
        h = data.new_zeros((batch_sizes[0], hidden))
        c = data.new_zeros((batch_sizes[0], hidden))
        for t, n in enumerate(batch_sizes):
            h, c = h[:n], c[:n]
            h, c = anchor_cell(data[offsets[t] : offsets[t + 1]], h, c, *weights)
            outputs.append(h)
    else:
        h = data.new_zeros((0, hidden))
        c = data.new_zeros((0, hidden))
        for t in range(len(batch_sizes) - 1, -1, -1):
            n = batch_sizes[t]
            if n > h.shape[0]:
                grow = data.new_zeros((n - h.shape[0], hidden))
                h, c = torch.cat([h, grow]), torch.cat([c, grow])
            h, c = anchor_cell(data[offsets[t] : offsets[t + 1]], h, c, *weights)
            outputs.append(h)
        outputs.reverse()
    return torch.cat(outputs, 0)


def anchor_lstm(data: Tensor, batch_sizes: List[int], layer: HardSigmoidLSTM) -> Tensor:
    fwd = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
    bwd = [layer.weight_ih_l0_reverse, layer.weight_hh_l0_reverse,
           layer.bias_ih_l0_reverse, layer.bias_hh_l0_reverse]  # fmt: skip
    return torch.cat(
        [
            anchor_direction(data, batch_sizes, fwd, False),
            anchor_direction(data, batch_sizes, bwd, True),
        ],
        1,
    )


def anchor_forward(model: TorchMoji, ids: Tensor, lengths: Tensor):
    lengths_sorted, order = lengths.sort(descending=True)
    packed = pack_padded_sequence(ids[order], lengths_sorted, batch_first=True)
    batch_sizes = packed.batch_sizes.tolist()
    x = torch.tanh(model.embed(packed.data))
    out_0 = anchor_lstm(x, batch_sizes, model.lstm_0)
    out_1 = anchor_lstm(out_0, batch_sizes, model.lstm_1)
    stacked = packed._replace(data=torch.cat([out_1, out_0, x], 1))
    padded, _ = pad_packed_sequence(stacked, batch_first=True)
    mask = torch.arange(padded.shape[1]).unsqueeze(0) < lengths_sorted.unsqueeze(1)
    features, _ = model.attention_layer(padded, mask)
    logits = model.output_layer(features)
    unsort = torch.empty_like(order)
    unsort[order] = torch.arange(order.shape[0])
    return logits[unsort], features[unsort]


def make_batches(n_texts: int, batch_size: int, n_tokens: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    # GoEmotions-like lengths: 3..40 tokens, mean ~15.
    lengths = torch.clamp((torch.randn(n_texts, generator=gen) * 8 + 15).long(), 3, 40)
    batches = []
    for start in range(0, n_texts, batch_size):
        lens = lengths[start : start + batch_size]
        ids = torch.randint(10, n_tokens, (len(lens), int(lens.max())), generator=gen)
        batches.append((ids, lens))
    return batches


def measure_peak_gflops(size: int = 1024, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of one large square matmul: the most a core does."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def measure_step_stream_gbs(hidden: int, threads: int, steps: int = 400) -> float:
    """GB/s at which one time step's recurrent matmul (both directions, batch 1) reads its
    weights, the same weights at every step as in a real layer: this bounds batch 1. The
    fastest of torch's and numpy's matmul, at the same number of threads.
    """
    w_hh = torch.randn(2, hidden, 4 * hidden)
    h, out = torch.randn(2, 1, hidden), torch.empty(2, 1, 4 * hidden)
    w_np, h_np, out_np = w_hh.numpy(), h.numpy(), out.numpy().copy()
    candidates = [lambda: torch.bmm(h, w_hh, out=out)]
    try:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(threads)
        candidates.append(lambda: np.matmul(h_np, w_np, out=out_np))
    except ImportError:  # numpy's BLAS may use every core: leave it out
        limits = None
    best = float("inf")
    for step in candidates:
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(steps):
                step()
            best = min(best, (time.perf_counter() - start) / steps)
    if limits is not None:
        limits.restore_original_limits()
    return w_hh.numel() * 4 / best / 1e9


def floor_seconds(batches, embed: int, hidden: int, n_labels: int, peak_gflops: float,
                  stream_gbs: float) -> float:  # fmt: skip
    """Lower bound on the time of any float32 implementation for these batches (see top)."""
    gates = 4 * hidden
    step_bytes = 2 * hidden * gates * 4  # both directions' recurrent kernels, float32
    features = 4 * hidden + embed
    total = 0.0
    for _, lens in batches:
        n_tokens = int(lens.sum())
        # per token: input projections of both layers and directions, attention scores and sum
        other = n_tokens * (2 * 2 * (embed + 2 * hidden) * gates + 4 * features)
        other += len(lens) * 2 * features * n_labels
        total += other / (peak_gflops * 1e9)
        for t in range(int(lens.max())):
            alive = int((lens > t).sum())
            step_flops = 2 * 2 * alive * hidden * gates
            per_layer = max(step_flops / (peak_gflops * 1e9), step_bytes / (stream_gbs * 1e9))
            total += 2 * per_layer
    return total


def timed(fn, batches, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for ids, lens in batches:
            fn(ids, lens)
        best = min(best, time.perf_counter() - start)
    return best


def main(
    threads: int = typer.Option(1, help="torch threads"),
    batch_sizes: str = typer.Option("1,32", help="comma-separated batch sizes"),
    n_texts: int = typer.Option(128, help="texts per timing run"),
    embed_width: int = typer.Option(256), hidden_width: int = typer.Option(512),
    n_tokens: int = typer.Option(50000), repeats: int = typer.Option(3),
) -> None:  # fmt: skip
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n_labels = 64
    model = TorchMoji(n_tokens, embed_width, hidden_width, n_labels).eval()
    results = []
    with torch.inference_mode():
        peak_gflops = measure_peak_gflops()
        stream_gbs = measure_step_stream_gbs(hidden_width, threads)
        for batch_size in [int(b) for b in batch_sizes.split(",")]:
            batches = make_batches(n_texts, batch_size, n_tokens, seed=batch_size)
            max_diff = 0.0
            for ids, lens in batches:
                ours = model(ids, lens)
                ref = anchor_forward(model, ids, lens)
                for a, b in zip(ours, ref):
                    max_diff = max(max_diff, float((a - b).abs().max()))
            ours_s = timed(model, batches, repeats)
            anchor_s = timed(lambda i, l: anchor_forward(model, i, l), batches, repeats)
            floor_s = floor_seconds(batches, embed_width, hidden_width, n_labels,
                                    peak_gflops, stream_gbs)  # fmt: skip
            results.append({
                "batch_size": batch_size,
                "ours_sents_per_s": round(n_texts / ours_s, 1),
                "anchor_sents_per_s": round(n_texts / anchor_s, 1),
                "speedup": round(anchor_s / ours_s, 2),
                "ceiling_sents_per_s": round(n_texts / floor_s, 1),
                "ceiling_speedup": round(anchor_s / floor_s, 2),
                "max_abs_diff": max_diff,
                "same_outputs": max_diff < 1e-5,
            })  # fmt: skip
    print(json.dumps({
        "benchmark": "torchmoji_speed", "threads": threads, "n_texts": n_texts,
        "widths": {"embed": embed_width, "hidden": hidden_width, "n_tokens": n_tokens},
        "torch": torch.__version__, "peak_gflops": round(peak_gflops, 1),
        "step_stream_gbs": round(stream_gbs, 1), "results": results,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    typer.run(main)
