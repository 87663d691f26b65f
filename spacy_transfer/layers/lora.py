"""Low-rank adapters (LoRA, Hu et al. 2021) on the linear layers of a Hugging Face encoder.

Each adapted `nn.Linear` keeps its pretrained weight W frozen and gains two small matrices, `lora_a` (rank x in)
and `lora_b` (out x rank), so that its output becomes W x + b + B A x. B starts at zero: before training the
encoder computes exactly what it did. The adapters are parameters of the Linear itself (which becomes a
`LoRALinear`), so the pretrained weights keep their Hugging Face names (saved pipelines, `tuned_state`) and only
`*.lora_a` / `*.lora_b` are new.
"""

import math
from typing import Iterable

import torch
from torch import nn


def add_lora(layers: Iterable, rank: int) -> int:
    """Give every nn.Linear inside `layers` a trainable rank-`rank` adapter; return how many were adapted."""
    count = 0
    for layer in layers:
        for module in layer.modules():
            if not isinstance(module, nn.Linear) or hasattr(module, "lora_a"):
                continue
            lora_a = torch.empty(rank, module.in_features, dtype=module.weight.dtype, device=module.weight.device)
            nn.init.kaiming_uniform_(lora_a, a=math.sqrt(5))
            lora_b = torch.zeros(module.out_features, rank, dtype=module.weight.dtype, device=module.weight.device)
            module.register_parameter("lora_a", nn.Parameter(lora_a))
            module.register_parameter("lora_b", nn.Parameter(lora_b))
            module.__class__ = LoRALinear  # same parameters and names, one more term
            count += 1
    return count


class LoRALinear(nn.Linear):
    """W x + b + B A x. With gradients the low-rank path is separate, so that no gradient of the full weight is
    formed; without (prediction) W + B A is formed once per call and the input meets one matrix."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            low_rank = x.to(self.lora_a.dtype) @ self.lora_a.t() @ self.lora_b.t()
            return super().forward(x) + low_rank.to(x.dtype)
        merged = self.weight + (self.lora_b @ self.lora_a).to(self.weight.dtype)
        return nn.functional.linear(x, merged, self.bias)
