"""Training of neuralcoref: gold matching, batch packing, loss and gradient, the update step (starting
weights: weights.py). The component's update / get_loss / candidate_recall are thin calls into this module."""

from typing import Callable, Dict, Iterable, Iterator, Tuple

import numpy
from spacy.training import Example

from ..coref.clusters import cluster_keys
from .features import CorefFeatures


def gold_clusters(example: Example, feats: CorefFeatures, span_prefix: str) -> numpy.ndarray:
    """Gold cluster id of each candidate mention (-1: not a gold mention).

    Gold mentions are read from example.reference.spans and matched to the rule-based
    candidates of example.predicted by character offsets (exact boundaries).
    """
    ref, pred = example.reference, example.predicted
    by_chars = {}
    for cid, key in enumerate(cluster_keys(ref, span_prefix)):
        for span in ref.spans[key]:
            by_chars[(span.start_char, span.end_char)] = cid
    out = numpy.full(feats.n_mentions, -1, dtype=numpy.int64)
    for k, (s, e) in enumerate(feats.spans.tolist()):
        out[k] = by_chars.get((pred[s].idx, pred[e - 1].idx + len(pred[e - 1])), -1)
    return out


def pack_batches(
    examples: Iterable[Example], featurize: Callable, span_prefix: str, max_pairs: int
) -> Iterator[Tuple[CorefFeatures, numpy.ndarray]]:
    """Featurized examples packed into batches of at most max_pairs antecedent pairs
    (a document larger than that is a batch of its own)."""
    batch, golds, n_pairs = [], [], 0
    for eg in examples:
        if not any(not t.is_space for t in eg.predicted):
            continue
        feats = featurize(eg.predicted)
        if feats.n_mentions == 0:
            continue
        if batch and n_pairs + feats.n_pairs > max_pairs:
            yield CorefFeatures.concat(batch), numpy.concatenate(golds)
            batch, golds, n_pairs = [], [], 0
        batch.append(feats)
        golds.append(gold_clusters(eg, feats, span_prefix))
        n_pairs += feats.n_pairs
    if batch:
        yield CorefFeatures.concat(batch), numpy.concatenate(golds)


def loss_and_gradient(ops, feats: CorefFeatures, gold: numpy.ndarray, scores, kind: str, costs: Dict[str, float]):
    """Loss (summed over mentions) and its gradient w.r.t. the scores (mean over mentions).

    RETURNS (Tuple[float, Tuple[Floats1d, Floats1d]]): loss and d_scores in ops' backend.
    """
    import torch

    from .loss import mention_ranking_loss

    single = torch.tensor(ops.to_numpy(scores[0]), requires_grad=True)
    pair = torch.tensor(ops.to_numpy(scores[1]), requires_grad=True)
    loss = mention_ranking_loss(
        single,
        pair,
        torch.as_tensor(feats.ant),
        torch.as_tensor(feats.men),
        torch.as_tensor(gold),
        kind=kind,
        costs=costs,
    )
    (loss / max(feats.n_mentions, 1)).backward()
    return float(loss.item()), (ops.asarray1f(single.grad.numpy()), ops.asarray1f(pair.grad.numpy()))


def update_model(model, batches: Iterable[Tuple[CorefFeatures, numpy.ndarray]], kind: str, costs: Dict[str, float]):
    """Forward and backward passes over packed batches; the gradients accumulate in model until the optimizer
    step (the component's finish_update).

    RETURNS (float): the sum over batches of the loss per mention.
    """
    total = 0.0
    for feats, gold in batches:
        scores, backprop = model.begin_update(feats)
        loss, d_scores = loss_and_gradient(model.ops, feats, gold, scores, kind, costs)
        backprop(d_scores)
        total += loss / max(feats.n_mentions, 1)
    return total


def examples_loss(
    ops, batches: Iterable[Tuple[CorefFeatures, numpy.ndarray]], scores, kind: str, costs: Dict[str, float]
):
    """Loss and gradient of scores that the model gave for all batches' features concatenated (get_loss).

    RETURNS (Tuple[float, Tuple[Floats1d, Floats1d]]): loss and d_scores in ops' backend.
    """
    batches = list(batches)
    feats = CorefFeatures.concat([b[0] for b in batches])
    gold = numpy.concatenate([b[1] for b in batches]) if batches else numpy.zeros(0, dtype=numpy.int64)
    return loss_and_gradient(ops, feats, gold, scores, kind, costs)


def candidate_recall(examples: Iterable[Example], featurize: Callable, span_prefix: str) -> Dict[str, float]:
    """Share of gold mentions that the rule-based detector proposes (exact boundaries)."""
    found = total = 0
    for eg in examples:
        feats = featurize(eg.predicted)
        found += int((gold_clusters(eg, feats, span_prefix) >= 0).sum())
        total += sum(len(eg.reference.spans[k]) for k in cluster_keys(eg.reference, span_prefix))
    return {"gold_mentions": total, "found": found, "recall": found / max(total, 1)}
