"""Clark & Manning (2016) mention-ranking losses, as neuralcoref trained its model.

Three phases: "all_pairs" (binary cross-entropy on every pair and every new-entity
score), "top_pairs" (only the best true and best false antecedent of each mention) and
"ranking" (slack-rescaled max-margin with costs for false new, false link, wrong link).
Each function takes score tensors and returns a scalar loss summed over mentions.
"""

from typing import Dict

import torch
import torch.nn.functional as F

LOSSES = ("all_pairs", "top_pairs", "ranking")
DEFAULT_COSTS = {"false_new": 0.8, "false_link": 0.4, "wrong_link": 1.0}
_NEG = -1e4  # finite "minus infinity": keeps gradients of masked entries at exactly 0


def pair_targets(gold: torch.Tensor, ant: torch.Tensor, men: torch.Tensor):
    """Which pairs are true links, and which mentions have a true antecedent in reach.

    gold (n_m,): gold cluster id of each candidate mention, -1 when it is no gold mention.
    RETURNS: (is_true (n_p,) bool, anaphoric (n_m,) bool).
    """
    is_true = (gold[ant] == gold[men]) & (gold[men] >= 0)
    anaphoric = torch.zeros(gold.shape[0], dtype=torch.float32)
    anaphoric = anaphoric.scatter_reduce(0, men, is_true.float(), "amax", include_self=True) > 0
    return is_true, anaphoric


def _group_max(values: torch.Tensor, men: torch.Tensor, n_m: int, fill: float) -> torch.Tensor:
    out = torch.full((n_m,), fill, dtype=values.dtype)
    return out.scatter_reduce(0, men, values, "amax", include_self=True)


def mention_ranking_loss(
    single: torch.Tensor,
    pair: torch.Tensor,
    ant: torch.Tensor,
    men: torch.Tensor,
    gold: torch.Tensor,
    kind: str = "ranking",
    costs: Dict[str, float] = DEFAULT_COSTS,
) -> torch.Tensor:
    """Summed loss over the mentions of one packed batch.

    single (n_m,): new-entity scores; pair (n_p,): antecedent scores;
    ant, men (n_p,): pair indices; gold (n_m,): gold cluster ids (-1: not a gold mention).
    kind (str): "all_pairs", "top_pairs" or "ranking".
    """
    n_m = single.shape[0]
    is_true, anaphoric = pair_targets(gold, ant, men)
    if kind == "all_pairs":
        loss = F.binary_cross_entropy_with_logits(single, (~anaphoric).float(), reduction="sum")
        if pair.numel():
            loss = loss + F.binary_cross_entropy_with_logits(pair, is_true.float(), reduction="sum")
        return loss
    best_true = _group_max(torch.where(is_true, pair, torch.full_like(pair, _NEG)), men, n_m, _NEG)
    if kind == "top_pairs":
        best_false = _group_max(torch.where(is_true, torch.full_like(pair, _NEG), pair), men, n_m, _NEG)
        has_false = _group_max((~is_true).float(), men, n_m, 0.0) > 0
        loss = torch.where(anaphoric, F.softplus(single), F.softplus(-single)).sum()
        loss = loss + torch.where(anaphoric, F.softplus(-best_true), torch.zeros_like(single)).sum()
        loss = loss + torch.where(has_false, F.softplus(best_false), torch.zeros_like(single)).sum()
        return loss
    if kind != "ranking":
        raise ValueError(f"unknown loss {kind!r}; use one of {LOSSES}")
    # score of the best correct decision: best true antecedent, or "new" when there is none
    correct = torch.where(anaphoric, best_true, single)
    margin_new = torch.where(anaphoric, torch.full_like(single, costs["false_new"]), torch.zeros_like(single))
    margin_new = margin_new * (1 + single - correct)
    pair_cost = torch.where(
        is_true,
        torch.zeros_like(pair),
        torch.where(
            anaphoric[men], torch.full_like(pair, costs["wrong_link"]), torch.full_like(pair, costs["false_link"])
        ),
    )
    margin_pair = _group_max(pair_cost * (1 + pair - correct[men]), men, n_m, 0.0)
    return torch.clamp(torch.maximum(margin_new, margin_pair), min=0).sum()
