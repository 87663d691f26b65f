"""Training targets and losses of the `coref` component (numpy only): gold head words, antecedent and mention
targets, and the losses with their gradients."""

from typing import List, Optional, Tuple

import numpy
from spacy.tokens import Doc

from ..errors import Errors
from .clusters import HEAD_PREFIX, cluster_keys

# A gold cluster as (head, start, end) word triples, end exclusive.
GoldCluster = List[Tuple[int, int, int]]


def gold_heads(reference: Doc, predicted: Doc, span_prefix: str) -> List[GoldCluster]:
    """Each gold cluster as (head, start, end) triples, end exclusive.

    Heads come from `reference.spans["coref_heads_N"]` (one-token spans parallel to the
    mentions, written by `python -m spacy_transfer coref-heads`), else from a dependency
    parse of the reference, else of the predicted doc (a parser earlier in the pipeline).
    RAISES (ValueError): E075 when no source of heads exists.
    """
    keys = cluster_keys(reference, span_prefix)
    parsed = reference if reference.has_annotation("DEP") else None
    if parsed is None and predicted.has_annotation("DEP") and len(predicted) == len(reference):
        parsed = predicted
    clusters = []
    for key in keys:
        head_key = f"{HEAD_PREFIX}_{key.rpartition('_')[2]}"
        mentions = list(reference.spans[key])
        if head_key in reference.spans and len(reference.spans[head_key]) == len(mentions):
            heads = [span.start for span in reference.spans[head_key]]
        elif parsed is not None:
            heads = [parsed[m.start : m.end].root.i for m in mentions]
        else:
            raise ValueError(Errors.E075.format(prefix=span_prefix))
        clusters.append([(h, m.start, m.end) for h, m in zip(heads, mentions)])
    return clusters


def antecedent_targets(cands: numpy.ndarray, clusters: List[GoldCluster]) -> numpy.ndarray:
    """Gold mask over [no antecedent] + candidates: n_words x (k + 1).

    A word heading a gold mention takes as gold every candidate heading an earlier mention
    of its cluster; other words (and mentions with no such candidate) take "no antecedent".
    A word heading mentions of two clusters counts for the first.
    """
    n, k = cands.shape
    cluster_of = numpy.full(n, -1, dtype="int64")
    for c, cluster in enumerate(clusters):
        for head, _, _ in cluster:
            if cluster_of[head] < 0:
                cluster_of[head] = c
    gold = numpy.zeros((n, k + 1), dtype=bool)
    valid = cands >= 0
    cand_cluster = numpy.where(valid, cluster_of[numpy.clip(cands, 0, None)], -2)
    own = cluster_of[:, None]
    gold[:, 1:] = valid & (own >= 0) & (cand_cluster == own)
    gold[:, 0] = ~gold[:, 1:].any(axis=1)
    return gold


def antecedent_loss(
    scores: numpy.ndarray, gold: numpy.ndarray, rows: Optional[numpy.ndarray] = None
) -> Tuple[float, numpy.ndarray]:
    """Negative marginal log-likelihood of the gold antecedents, summed over words.

    scores (numpy.ndarray): n x k candidate scores (-inf where none); "no antecedent" scores 0.
    gold (numpy.ndarray): n x (k + 1) gold mask.
    rows (Optional[numpy.ndarray]): n booleans, the words that count (see `annotated_words`); None: all.
    RETURNS (Tuple[float, numpy.ndarray]): the loss and its gradient for scores (n x k).
    """
    full = _with_no_antecedent(scores)
    all_lse, p_all = _log_softmax_parts(full)
    gold_scores = numpy.where(gold, full, -numpy.inf)
    gold_lse, p_gold = _log_softmax_parts(gold_scores)
    losses, grad = all_lse - gold_lse, (p_all - p_gold)[:, 1:]
    if rows is not None:
        losses, grad = numpy.where(rows, losses, 0.0), numpy.where(rows[:, None], grad, 0.0)
    return float(losses.sum()), grad.astype(scores.dtype)


def annotated_words(n_words: int, clusters: List[GoldCluster], partial: bool) -> Optional[numpy.ndarray]:
    """The words whose targets a doc's annotation gives: all (None), or with partial annotation
    (`clusters.PARTIAL_KEY`) only the words heading gold mentions, whose antecedents (or their absence) the
    annotation does give."""
    if not partial:
        return None
    return mention_targets(n_words, clusters) > 0


def span_loss(spans: numpy.ndarray, clusters: List[GoldCluster], left: int, right: int) -> Tuple[float, numpy.ndarray]:
    """Cross-entropy of each gold mention's start and end given its head word.

    spans (numpy.ndarray): n x window x 2 scores (-inf where impossible).
    RETURNS (Tuple[float, numpy.ndarray]): the summed loss and its gradient for spans.
    """
    grad = numpy.zeros_like(spans)
    loss = 0.0
    seen = set()
    for cluster in clusters:
        for head, start, end in cluster:
            lo, hi = start - head + left, end - 1 - head + left
            if head in seen or not (0 <= lo <= left <= hi <= left + right):
                continue
            seen.add(head)
            for channel, target in ((0, lo), (1, hi)):
                lse, probs = _log_softmax_parts(spans[head, :, channel][None, :])
                loss += float(lse[0] - spans[head, target, channel])
                grad[head, :, channel] = probs[0]
                grad[head, target, channel] -= 1.0
    return loss, grad


def mention_targets(n_words: int, clusters: List[GoldCluster]) -> numpy.ndarray:
    """1.0 for each word heading a gold mention (one-mention clusters included), else 0.0: float32, n_words."""
    target = numpy.zeros(n_words, dtype="float32")
    for cluster in clusters:
        for head, _, _ in cluster:
            target[head] = 1.0
    return target


def mention_loss(
    logits: numpy.ndarray, clusters: List[GoldCluster], rows: Optional[numpy.ndarray] = None
) -> Tuple[float, numpy.ndarray]:
    """Binary cross-entropy of each word heading a gold mention (one-mention clusters included).

    logits (numpy.ndarray): n mention logits.
    rows (Optional[numpy.ndarray]): n booleans, the words that count (see `annotated_words`); None: all.
    RETURNS (Tuple[float, numpy.ndarray]): the summed loss and its gradient for the logits.
    """
    target = mention_targets(len(logits), clusters).astype(logits.dtype)
    # log(1 + e^x) - t x, written to stay finite for large |x|
    loss = numpy.logaddexp(0.0, logits) - target * logits
    grad = numpy.exp(-numpy.logaddexp(0.0, -logits)) - target
    if rows is not None:
        loss, grad = numpy.where(rows, loss, 0.0), numpy.where(rows, grad, 0.0)
    return float(loss.sum()), grad.astype(logits.dtype)


def antecedent_probabilities(scores: numpy.ndarray) -> numpy.ndarray:
    """Per word, the softmax probability of each candidate, "no antecedent" (score 0) included in the sum."""
    return _log_softmax_parts(_with_no_antecedent(scores))[1][:, 1:]


def _with_no_antecedent(scores: numpy.ndarray) -> numpy.ndarray:
    """n x (k + 1): a first column of zeros, the score of "no antecedent", before the candidates' scores."""
    return numpy.concatenate([numpy.zeros((len(scores), 1), scores.dtype), scores], axis=1)


def _log_softmax_parts(x: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray]:
    # Row-wise logsumexp and softmax, with rows of -inf giving -inf and zeros.
    top = numpy.max(x, axis=1, keepdims=True)
    top = numpy.where(numpy.isfinite(top), top, 0.0)
    exp = numpy.exp(x - top)
    total = exp.sum(axis=1, keepdims=True)
    with numpy.errstate(divide="ignore"):
        lse = (numpy.log(total) + top)[:, 0]
    probs = numpy.divide(exp, total, out=numpy.zeros_like(exp), where=total > 0)
    return lse, probs
