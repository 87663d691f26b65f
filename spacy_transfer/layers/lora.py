"""Low-rank adapters (LoRA, Hu et al. 2021) on the linear layers of a Hugging Face encoder.

Each adapted `nn.Linear` keeps its pretrained weight W frozen and gains two small matrices, `lora_a` (rank x in)
and `lora_b` (out x rank), so that its output becomes W x + b + B A x. B starts at zero: before training the
encoder computes exactly what it did. The adapters are parameters of the Linear itself and act through a
forward hook, so the pretrained weights keep their Hugging Face names (saved pipelines, `tuned_state`) and only
`*.lora_a` / `*.lora_b` are new.
"""

import math
from typing import Iterable


def add_lora(layers: Iterable, rank: int) -> int:
    """Give every nn.Linear inside `layers` a trainable rank-`rank` adapter; return how many were adapted."""
    import torch

    count = 0
    for layer in layers:
        for module in layer.modules():
            if not isinstance(module, torch.nn.Linear) or hasattr(module, "lora_a"):
                continue
            lora_a = torch.empty(rank, module.in_features, dtype=module.weight.dtype, device=module.weight.device)
            torch.nn.init.kaiming_uniform_(lora_a, a=math.sqrt(5))
            lora_b = torch.zeros(module.out_features, rank, dtype=module.weight.dtype, device=module.weight.device)
            module.register_parameter("lora_a", torch.nn.Parameter(lora_a))
            module.register_parameter("lora_b", torch.nn.Parameter(lora_b))
            module.register_forward_hook(lora_forward_hook)
            count += 1
    return count


def lora_forward_hook(module, inputs, output):
    """W x + b (the Linear's own output) + B A x. A module-level function, so that adapted encoders pickle."""
    x = inputs[0]
    return output + (x.to(module.lora_a.dtype) @ module.lora_a.t() @ module.lora_b.t()).to(output.dtype)
