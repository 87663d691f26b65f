"""Validation of the `coref` component's settings, called from its __init__."""

from typing import Any, Dict

from ..errors import Errors
from .resolve import output_setting_problem


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E067 naming the first bad setting of the coref component and what to do."""
    problem = output_setting_problem(cfg)
    if problem is None and not (cfg["weights"] is None or isinstance(cfg["weights"], str)):
        problem = ("weights", "use a packaged name, a directory or null")
    for key in ("gender_agreement", "name_agreement", "string_match", "binding", "singletons", "gender_neutral"):
        if problem is None and not isinstance(cfg.get(key, False), bool):
            problem = (key, "use true or false")
    threshold = cfg.get("singleton_threshold", 0.5)
    if problem is None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1
    ):
        problem = ("singleton_threshold", "use a probability between 0 and 1 (exclusive)")
    context = cfg.get("gender_context")
    if (
        problem is None
        and context is not None
        and (isinstance(context, bool) or not isinstance(context, int) or context < 1)
    ):
        problem = ("gender_context", "use a number of words (1 or more) or null")
    join = cfg.get("join_probability")
    if (
        problem is None
        and join is not None
        and (isinstance(join, bool) or not isinstance(join, (int, float)) or not 0 < join < 1)
    ):
        problem = ("join_probability", "use a probability between 0 and 1 (exclusive), or null")
    bias = cfg.get("link_bias", 0.0)
    if problem is None and (isinstance(bias, bool) or not isinstance(bias, (int, float)) or abs(bias) > 20):
        problem = ("link_bias", "use a number between -20 and 20 (0: the model's own decisions)")
    if problem is not None:
        key, detail = problem
        raise ValueError(Errors.E067.format(name=key, value=cfg[key], detail=detail))
