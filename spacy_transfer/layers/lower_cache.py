"""Frozen lower layers computed once: their outputs kept per encoder window, for tuning only the top layers
(TunedTransformer.v1's `cache_windows`; imports torch).

When only the top layers of an encoder train, its embeddings and lower layers give the same states for a window
in every epoch. `LowerLayerCache` keeps, per window (keyed by its wordpiece ids), the outputs of the lower layers
that something reads later: the input of the first tuned layer and the hidden states a layer mix reads. A pass
over a chunk whose windows are all cached replays those outputs instead of computing the lower layers, so it
costs the embeddings and the tuned layers only (with 3 of all-mpnet-base-v2's 12 layers tuned through LoRA, its
training step runs 2.2x faster: benchmarks/lower_cache_speed.py).

The lower layer modules themselves replay (their `forward` is swapped for the call), so the encoder's own code,
its masks, position biases and hidden-state bookkeeping, runs unchanged for any BERT-like model. States are kept
as float16 numpy arrays (half the memory; numpy, because tensors made under `torch.inference_mode` during
evaluation could not take part in training later); every pass, cached or not, sees them rounded so. The frozen
layers and the embeddings run without dropout when their outputs are kept (the tuned layers keep theirs), so that
what is kept is not one random draw.
"""

from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence

import numpy
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from .depth import transformer_layers


class LowerLayerCache:
    """The outputs of an encoder's bottom `n_lower` layers, per window (see the module docstring).

    transformer (nn.Module): the Hugging Face encoder (BERT-like: its layers in `encoder.layer`).
    n_lower (int): how many of its layers are frozen (all but the tuned ones; at least one).
    read (Sequence[int]): hidden states read after the encoder (0: the embeddings, i: layer i's output); those of
        frozen layers are kept, and always the last frozen layer's, which the first tuned layer reads.
    max_windows (int): most windows kept; the least recently used go first.
    """

    def __init__(self, transformer: nn.Module, n_lower: int, read: Sequence[int], max_windows: int) -> None:
        self.transformer = transformer
        layers = transformer_layers(transformer)
        self.layers = layers[:n_lower]
        self.tuned = layers[n_lower:]
        self.kept = sorted({i for i in read if 1 <= i <= n_lower} | {n_lower})
        self.max_windows = max_windows
        self.windows: "OrderedDict[bytes, Dict[int, numpy.ndarray]]" = OrderedDict()
        self.returns_tuple: Optional[bool] = None  # how the layers return their output (BERT 5.x: bare)

    def __len__(self) -> int:
        return len(self.windows)

    def run(self, encode: Callable[[], object], input_ids: torch.Tensor, mask: Optional[torch.Tensor]) -> object:
        """Call `encode()` (the encoder on this chunk), the frozen layers replaying where every window is kept."""
        # Rows are right-padded (windows.py): a window is its first `length` ids.
        lengths = [int(n) for n in (mask.sum(1) if mask is not None else [input_ids.shape[1]] * len(input_ids))]
        keys = [input_ids[row, :n].cpu().numpy().tobytes() for row, n in enumerate(lengths)]
        if all(key in self.windows for key in keys):
            for key in keys:
                self.windows.move_to_end(key)
            return self._replay(encode, [self.windows[key] for key in keys])
        return self._capture(encode, keys, lengths)

    def _capture(self, encode: Callable[[], object], keys: List[bytes], lengths: List[int]) -> object:
        found: Dict[bytes, Dict[int, numpy.ndarray]] = {key: {} for key in keys}

        def keep_output(state: int):
            def hook(module, args, output):
                is_tuple = isinstance(output, tuple)
                self.returns_tuple = is_tuple
                hidden = output[0] if is_tuple else output
                rounded = hidden.detach().to(torch.float16)
                values = rounded.cpu().numpy()
                for row, (key, n) in enumerate(zip(keys, lengths)):
                    found[key][state] = values[row, :n].copy()
                rounded = rounded.to(hidden.dtype)
                return (rounded,) + tuple(output[1:]) if is_tuple else rounded

            return hook

        handles = [
            self.layers[state - 1].register_forward_hook(keep_output(state), prepend=True) for state in self.kept
        ]
        modes = {module: module.training for module in self.transformer.modules()}
        try:
            # No dropout below the tuned layers (embeddings included): what is kept are the frozen layers' own
            # states, not one random draw.
            self.transformer.eval()
            for layer in self.tuned:
                layer.train(modes[layer])
            result = encode()
        finally:
            for handle in handles:
                handle.remove()
            for module, mode in modes.items():
                module.training = mode
        for key, states in found.items():
            self.windows[key] = states
            self.windows.move_to_end(key)
        while len(self.windows) > self.max_windows:
            self.windows.popitem(last=False)
        return result

    def _replay(self, encode: Callable[[], object], windows: List[Dict[int, numpy.ndarray]]) -> object:
        # The chunk's longest window is as long as its rows: right-padding the windows rebuilds its shape.
        padded = {
            state: pad_sequence([torch.from_numpy(window[state]) for window in windows], batch_first=True).float()
            for state in self.kept
        }

        def replay(state: int):
            def forward(hidden_states, *args, **kwargs):
                out = padded[state] if state in padded else hidden_states
                out = out.to(hidden_states.dtype)
                return (out,) if self.returns_tuple else out

            return forward

        try:
            for state, layer in enumerate(self.layers, start=1):
                layer.forward = replay(state)  # an instance attribute: nn.Module.__call__ (and its hooks) runs it
            return encode()
        finally:
            for layer in self.layers:
                del layer.forward
