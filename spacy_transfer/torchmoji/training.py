"""Scorer and class-balanced batcher for torchmoji training (no torch)."""

import random
from collections import defaultdict
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from spacy.scorer import PRFScore, Scorer
from spacy.training import Example
from spacy.util import registry

from ..errors import Errors
from .extensions import USER_DATA_KEY, select_emotions

# fmt: off
# GoEmotions' Ekman grouping (google-research/goemotions data/ekman_mapping.json).
EKMAN_MAPPING = {
    "anger": ["anger", "annoyance", "disapproval"],
    "disgust": ["disgust"],
    "fear": ["fear", "nervousness"],
    "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"],
    "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
    "surprise": ["surprise", "realization", "confusion", "curiosity"],
    "neutral": ["neutral"],
}
# fmt: on


def predicted_labels(example: Example) -> List[str]:
    """The labels torchmoji predicted for an example's doc (thresholded)."""
    doc = example.predicted
    stored = doc.user_data.get(USER_DATA_KEY)
    if stored is None:
        cats = dict(doc.cats)
        stored = {"labels": list(cats), "threshold": 0.5}
    cats = {label: doc.cats[label] for label in stored["labels"] if label in doc.cats}
    return [label for label, _ in select_emotions(cats, stored)]


def score_label_sets(
    gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]], labels: Sequence[str]
) -> Dict[str, Any]:
    """Macro/micro P, R, F over labels for multi-label predictions."""
    per_label = {label: PRFScore() for label in labels}
    micro = PRFScore()
    for gold_set, pred_set in zip(gold, pred):
        gold_set, pred_set = set(gold_set), set(pred_set)
        for label in labels:
            tp = label in gold_set and label in pred_set
            fp = label in pred_set and label not in gold_set
            fn = label in gold_set and label not in pred_set
            for score in (per_label[label], micro):
                score.tp += tp
                score.fp += fp
                score.fn += fn
    n = max(len(labels), 1)
    return {
        "macro_p": sum(s.precision for s in per_label.values()) / n,
        "macro_r": sum(s.recall for s in per_label.values()) / n,
        "macro_f": sum(s.fscore for s in per_label.values()) / n,
        "micro_f": micro.fscore,
        "f_per_type": {k: {"p": s.precision, "r": s.recall, "f": s.fscore} for k, s in per_label.items()},
    }


def to_ekman(labels: Iterable[str]) -> List[str]:
    """Map GoEmotions labels to their Ekman-7 groups."""
    inverse = {fine: group for group, fines in EKMAN_MAPPING.items() for fine in fines}
    return sorted({inverse[label] for label in labels if label in inverse})


def score_torchmoji(examples: Iterable[Example], **kwargs) -> Dict[str, Any]:
    """Score thresholded emotions: cats_macro_f (main), cats_micro_f, cats_macro_auc."""
    examples = list(examples)
    labels = sorted({label for eg in examples for label in eg.reference.cats})
    gold = [[k for k, v in eg.reference.cats.items() if v >= 0.5] for eg in examples]
    pred = [predicted_labels(eg) for eg in examples]
    scores = score_label_sets(gold, pred, labels)
    result = {f"cats_{key}": value for key, value in scores.items()}
    result["cats_score"] = scores["macro_f"]
    auc = Scorer.score_cats(examples, "cats", labels=labels, multi_label=True)
    result["cats_macro_auc"] = auc.get("cats_macro_auc")
    return result


@registry.scorers("spacy_transfer.torchmoji_scorer.v1")
def make_torchmoji_scorer() -> Callable[..., Dict[str, Any]]:
    return score_torchmoji


@registry.batchers("spacy_transfer.torchmoji_balanced_batcher.v1")
def make_balanced_batcher(size: int, epoch_size: int, seed: int = 0) -> Callable[[Iterable[Any]], Iterator[List[Any]]]:
    """DeepMoji's class-balanced sampling for skewed labels: every example of a batch
    comes from a label chosen uniformly at random, so rare labels are seen as often as
    common ones. An epoch is a fixed number of examples (epoch_size).

    size (int): examples per batch. epoch_size (int): examples per epoch.
    seed (int): random seed.
    RETURNS (Callable): batcher over one epoch of Examples (or Docs).
    """
    rng = random.Random(seed)

    def batcher(items: Iterable[Any]) -> Iterator[List[Any]]:
        return balanced_batches(list(items), size, epoch_size, rng)

    return batcher


def balanced_batches(
    items: List[Any], size: int, epoch_size: int, rng: Optional[random.Random] = None
) -> Iterator[List[Any]]:
    """Yield epoch_size // size batches; each item is drawn by first drawing a label."""
    rng = rng or random.Random(0)
    by_label: Dict[str, List[int]] = defaultdict(list)
    for i, item in enumerate(items):
        doc = item.reference if isinstance(item, Example) else item
        for label, value in doc.cats.items():
            if value >= 0.5:
                by_label[label].append(i)
    if not by_label:
        seen = sorted({label for item in items for label in
                       (item.reference if isinstance(item, Example) else item).cats})  # fmt: skip
        raise ValueError(Errors.E162.format(labels=seen))
    labels = sorted(by_label)
    for _ in range(max(epoch_size // size, 1)):
        yield [items[rng.choice(by_label[rng.choice(labels)])] for _ in range(size)]
