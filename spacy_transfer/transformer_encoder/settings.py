"""Validation of the transformer_encoder component's settings, called from the component's __init__.

The model's own settings (window, stride, pooling, ...) are checked where the model is built
(layers/transformer.py).
"""

from typing import Any, Dict

from ..errors import Errors


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E205 naming the first setting that is not a bool.

    cfg (Dict[str, Any]): keep_wordpieces and overwrite, as given to the component.
    """
    for key in ("keep_wordpieces", "overwrite"):
        if not isinstance(cfg[key], bool):
            raise ValueError(Errors.E205.format(key=key, value=cfg[key], detail="use true or false"))
