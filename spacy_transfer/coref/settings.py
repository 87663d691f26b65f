"""Validation of the `coref` component's settings, called from its __init__."""

from typing import Any, Dict

from ..errors import Errors
from .resolve import output_setting_problem


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E067 naming the first bad setting of the coref component and what to do."""
    problem = output_setting_problem(cfg)
    if problem is None and not (cfg["weights"] is None or isinstance(cfg["weights"], str)):
        problem = ("weights", "use a packaged name, a directory or null")
    for key in ("gender_agreement", "name_agreement"):
        if problem is None and not isinstance(cfg.get(key, True), bool):
            problem = (key, "use true or false")
    if problem is not None:
        key, detail = problem
        raise ValueError(Errors.E067.format(name=key, value=cfg[key], detail=detail))
