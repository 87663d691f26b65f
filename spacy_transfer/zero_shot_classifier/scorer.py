"""Registered scorer of the zero-shot classifier: spaCy's cats scores plus accuracy."""

from typing import Any, Callable, Dict, Iterable, List, Optional

from spacy.scorer import Scorer
from spacy.training import Example
from spacy.util import registry


def zero_shot_score(
    examples: Iterable[Example],
    *,
    labels: Optional[Iterable[str]] = None,
    multi_label: bool = False,
    **kwargs: Any,
) -> Dict[str, Any]:
    """Score doc.cats against the gold cats.

    Adds `cats_acc` to `Scorer.score_cats`: the share of examples whose
    highest-scoring predicted label is a gold label (value 1.0). With no
    configured labels (per-document candidate labels), the labels are taken from
    the gold annotation.

    examples (Iterable[Example]): The examples to score.
    labels (Optional[Iterable[str]]): The labels to score, or None/empty for the gold ones.
    multi_label (bool): Whether the cats are multi-label.
    RETURNS (Dict[str, Any]): cats_score, cats_micro_f, cats_macro_f, cats_macro_auc,
        cats_f_per_type, cats_auc_per_type and cats_acc.
    """
    examples = list(examples)
    label_list: List[str] = list(labels or [])
    if not label_list:
        seen = {}
        for eg in examples:
            seen.update(dict.fromkeys(eg.reference.cats))
        label_list = list(seen)
    scores = Scorer.score_cats(examples, "cats", labels=label_list, multi_label=multi_label, threshold=0.5)
    n_correct = n_total = 0
    for eg in examples:
        gold = {label for label, value in eg.reference.cats.items() if value == 1.0}
        if not gold or not eg.predicted.cats:
            continue
        n_total += 1
        best = max(eg.predicted.cats.items(), key=lambda item: item[1])[0]
        n_correct += int(best in gold)
    scores["cats_acc"] = n_correct / n_total if n_total else None
    return scores


@registry.scorers("spacy_transfer.zero_shot_scorer.v1")
def make_zero_shot_scorer() -> Callable[..., Dict[str, Any]]:
    """Build the zero-shot scorer (see `zero_shot_score`)."""
    return zero_shot_score
