"""Validation of the fasttext_vectors component's settings, called from the component's __init__."""

from pathlib import Path
from typing import Any, Dict

from ..errors import Errors


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E114 naming the first bad setting: `path` a string, a Path or None; `lowercase` a bool.

    cfg (Dict[str, Any]): path and lowercase, as given to the component.
    """
    if not (cfg["path"] is None or isinstance(cfg["path"], (str, Path))):
        raise ValueError(
            Errors.E114.format(
                key="path",
                value=cfg["path"],
                detail=("use a fastText .bin/.vec file, an init-fasttext directory, a packaged name, or null"),
            )
        )
    if not isinstance(cfg["lowercase"], bool):
        raise ValueError(Errors.E114.format(key="lowercase", value=cfg["lowercase"], detail="use true or false"))
