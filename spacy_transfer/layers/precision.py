"""Reduced precision for encoders at prediction time.

bfloat16 matrix products nearly halve a transformer's CPU time where the processor computes them natively
(AVX512-BF16 or AMX) and change the outputs little (cosine 0.9999 to float32 on MiniLM); elsewhere they are
emulated and slower, which is why "auto" looks at the processor. Training always runs in float32.
"""

import contextlib
from functools import lru_cache
from pathlib import Path

INFERENCE_DTYPES = ("float32", "bfloat16", "auto")
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether the processor advertises bfloat16 arithmetic (Linux /proc/cpuinfo; False where unknown)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace").split()
    except OSError:
        return False
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def check_inference_dtype(setting: str) -> None:
    """Raise E361 unless `setting` is one of INFERENCE_DTYPES."""
    from ..errors import Errors

    if setting not in INFERENCE_DTYPES:
        raise ValueError(
            Errors.E361.format(key="inference_dtype", value=setting, detail=f"must be one of {INFERENCE_DTYPES}")
        )


def resolve_inference_dtype(setting: str) -> str:
    """The dtype to predict in for a setting of INFERENCE_DTYPES ("auto": bfloat16 where native)."""
    if setting == "auto":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
    return setting


def inference_autocast(setting: str, device_type: str = "cpu"):
    """A context in which the encoder's forward pass predicts in the resolved dtype."""
    import torch

    if resolve_inference_dtype(setting) == "bfloat16":
        return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
