"""Validation of the torchmoji component's settings, called from the component's __init__."""

from typing import Any, Dict

from ..errors import Errors
from .model import FINETUNE_METHODS


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise the coded ValueError (E160, E161 or E155) for the first invalid setting in `cfg`.

    cfg (Dict[str, Any]): threshold, thresholds (label -> threshold), finetune_method and chain_thaw_steps.
    """
    if cfg["finetune_method"] not in FINETUNE_METHODS:
        raise ValueError(Errors.E160.format(method=cfg["finetune_method"], methods=FINETUNE_METHODS))
    for label, value in list(cfg["thresholds"].items()) + [("*", cfg["threshold"])]:
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(Errors.E161.format(label=label, value=value))
    if cfg["chain_thaw_steps"] < 1:
        raise ValueError(
            Errors.E155.format(key="chain_thaw_steps", value=cfg["chain_thaw_steps"], detail="must be >= 1")
        )
