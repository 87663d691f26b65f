"""Validation of the neuralcoref component's settings, shared by the factory and setters."""

from typing import Any, Dict

from ..coref.resolve import output_setting_problem
from ..errors import Errors


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E004, naming the setting and a valid choice, for the first bad setting in `cfg`."""

    def bad(key: str, detail: str) -> ValueError:
        return ValueError(Errors.E004.format(key=key, value=cfg[key], detail=detail))

    if not isinstance(cfg["greedyness"], (int, float)) or not 0.0 <= cfg["greedyness"] <= 1.0:
        raise bad("greedyness", "use a number between 0 and 1 (0.5 is the trained default)")
    if not isinstance(cfg["max_dist"], int) or cfg["max_dist"] < 1:
        raise bad("max_dist", "use a positive integer (default 50)")
    if cfg["max_dist_match"] is not None and (not isinstance(cfg["max_dist_match"], int) or cfg["max_dist_match"] < 1):
        raise bad("max_dist_match", "use a positive integer or null (default 500)")
    limit = cfg.get("max_match_antecedents")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise bad("max_match_antecedents", "use a positive integer or null (default 50)")
    problem = output_setting_problem(cfg)
    if problem is not None:
        raise bad(*problem)
    conv = cfg["conv_dict"]
    if conv is not None and (
        not isinstance(conv, dict) or not all(isinstance(v, (list, tuple)) and v for v in conv.values())
    ):
        raise bad("conv_dict", "use a dict of word -> non-empty list of words")
    if cfg["loss"] not in ("all_pairs", "top_pairs", "ranking"):
        raise bad("loss", 'use "all_pairs", "top_pairs" or "ranking"')
    if set(cfg["costs"]) != {"false_new", "false_link", "wrong_link"} or min(cfg["costs"].values()) < 0:
        raise bad("costs", "give non-negative false_new, false_link and wrong_link")
    if not isinstance(cfg["max_pairs_per_batch"], int) or cfg["max_pairs_per_batch"] < 1:
        raise bad("max_pairs_per_batch", "use a positive integer")
