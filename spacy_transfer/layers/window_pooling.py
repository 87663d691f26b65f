"""WindowPoolingEncoder, the PyTorch module inside TransformerModel.v1 (transformer.py): imports only torch."""

from typing import List

import torch
from torch import nn

CAPTURE_HOOK_FLAG = "_output_capturing_hooks_installed"


def without_capture_hooks(module: nn.Module) -> nn.Module:
    """A copy of `module` without the output-capturing forward hooks transformers installs on first use."""
    import copy

    if not any(getattr(m, CAPTURE_HOOK_FLAG, False) for m in module.modules()):
        return module
    clean = copy.deepcopy(module)  # deepcopy keeps functions as they are, so the hooks copy along
    for sub in clean.modules():
        for key, hook in list(sub._forward_hooks.items()):
            if "output_capturing_hook" in getattr(hook, "__qualname__", ""):
                del sub._forward_hooks[key]
        if CAPTURE_HOOK_FLAG in sub.__dict__:
            delattr(sub, CAPTURE_HOOK_FLAG)
    return clean


class WindowPoolingEncoder(nn.Module):
    """Run a Hugging Face encoder over padded windows, merge overlapping windows and pool wordpieces to tokens.

    transformer (nn.Module): a transformers model returning `last_hidden_state` (e.g. BertModel).
    """

    def __init__(self, transformer: nn.Module):
        super().__init__()
        self.transformer = transformer
        self.lower_cache = None  # a LowerLayerCache (lower_cache.py) while the top layers are tuned

    def __getstate__(self) -> dict:
        # transformers (5.x) hooks local functions into its modules on the first forward pass, which pickle
        # cannot save (pickling a used pipeline failed); a copy without them pickles, and they come back on
        # the next forward pass.
        state = self.__dict__.copy()
        state["_modules"] = {**state["_modules"], "transformer": without_capture_hooks(self.transformer)}
        state["lower_cache"] = None  # training's cache stays in the process that filled it
        return state

    def forward(
        self,
        input_ids: List[torch.Tensor],
        attention_mask: List[torch.Tensor],
        sel_pos: torch.Tensor,
        sel_wp: torch.Tensor,
        pair_wp: torch.Tensor,
        pair_tok: torch.Tensor,
        n_wp: int,
        n_tokens: int,
    ):
        """Encode and pool.

        input_ids, attention_mask: one (rows x length) long tensor per chunk.
        sel_pos: (n_sel,) content positions in the flat, unpadded hidden states of all chunks.
        sel_wp: (n_sel,) the global wordpiece each selected position belongs to.
        pair_wp, pair_tok: (n_pairs,) wordpiece -> token pairs for pooling.
        RETURNS: (tokens: n_tokens x width, wordpieces: n_wp x width). Unaligned tokens get zeros; a
            wordpiece in several windows gets the mean of its states.
        """
        flat = []
        for ids, mask in zip(input_ids, attention_mask):
            # Without padding no mask is needed, and attention can take its unmasked fast path.
            unpadded = bool(mask.all())
            attention = None if unpadded else mask
            encode = lambda: self.transformer(input_ids=ids, attention_mask=attention)  # noqa: E731
            output = encode() if self.lower_cache is None else self.lower_cache.run(encode, ids, attention)
            hidden = output.last_hidden_state
            hidden = hidden.float()  # reduced-precision prediction (autocast) pools and returns float32
            if unpadded:
                flat.append(hidden.reshape(-1, hidden.shape[-1]))
                continue
            flat.append(hidden[mask.bool()])
        states = torch.cat(flat) if len(flat) > 1 else flat[0]
        del flat  # drop references early: long docs make these arrays large
        width = states.shape[-1]
        selected = states.index_select(0, sel_pos)
        del states
        if len(sel_pos) == n_wp:  # no overlapping windows: every wordpiece is selected once, in order
            wordpieces = selected
        else:
            wordpieces = selected.new_zeros((n_wp, width)).index_add(0, sel_wp, selected)
            counts = torch.bincount(sel_wp, minlength=n_wp).clamp(min=1).to(selected.dtype)
            wordpieces = wordpieces / counts.unsqueeze(1)
        tokens = selected.new_zeros((n_tokens, width)).index_add(0, pair_tok, wordpieces.index_select(0, pair_wp))
        tok_counts = torch.bincount(pair_tok, minlength=n_tokens).clamp(min=1).to(selected.dtype)
        return tokens / tok_counts.unsqueeze(1), wordpieces
