"""Coreference metrics: MUC, B-cubed, CEAF-m, CEAF-e, BLANC and LEA.

Plain Python over clusters of hashable mentions (usually `(start, end)` token or
character offsets), following the reference CoNLL-2011/2012 scorer v8.01 plus LEA
(Pradhan et al. 2014; Moosavi & Strube 2016):

- mentions match only on exact spans;
- a mention repeated in the key or the response is kept at its first occurrence
  (clusters in the given order), and a cluster left empty is dropped;
- every metric is computed per document as (numerator, denominator) pairs for
  recall and precision, and the pairs are summed over documents (micro average);
- R = num / den, or 0 when den is 0; F1 = 2RP / (R + P), or 0 when R + P is 0.

`score_clusters` is the entry point for scripts; `scorer.py` wraps it for
spaCy. We do not use `scorch` (installed in the venv): it has no LEA, its fast
BLANC path crashes on NumPy >= 1.24 (`np.bool`), and it scores one clustering at
a time, so corpus-level micro averaging would have to be rebuilt around it anyway.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Hashable, List, Sequence, Tuple

from ...errors import Errors

Mention = Hashable
# One document's clusters: a list of clusters, each a list of mentions.
MentionClusters = Sequence[Sequence[Mention]]

METRICS = ("muc", "b3", "ceafm", "ceafe", "blanc", "lea")
# The metrics whose F1 is averaged into the CoNLL-2012 score.
CONLL_METRICS = ("muc", "b3", "ceafe")


@dataclass
class PRF:
    """Summed recall and precision numerators/denominators of one metric."""

    r_num: float = 0.0
    r_den: float = 0.0
    p_num: float = 0.0
    p_den: float = 0.0

    def __iadd__(self, other: "PRF") -> "PRF":
        self.r_num += other.r_num
        self.r_den += other.r_den
        self.p_num += other.p_num
        self.p_den += other.p_den
        return self

    @property
    def recall(self) -> float:
        return self.r_num / self.r_den if self.r_den else 0.0

    @property
    def precision(self) -> float:
        return self.p_num / self.p_den if self.p_den else 0.0

    @property
    def f1(self) -> float:
        return _f1(self.recall, self.precision)


def _f1(r: float, p: float) -> float:
    return 2 * r * p / (r + p) if r + p else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def dedupe_clusters(clusters: MentionClusters) -> List[List[Mention]]:
    """Keep each mention at its first occurrence and drop clusters left empty.

    clusters (MentionClusters): The clusters of one document.
    RETURNS (List[List[Mention]]): The cleaned clusters, in the same order.
    """
    seen = set()
    result = []
    for cluster in clusters:
        kept = []
        for mention in cluster:
            if mention not in seen:
                seen.add(mention)
                kept.append(mention)
        if kept:
            result.append(kept)
    return result


def remove_singletons(clusters: MentionClusters) -> List[List[Mention]]:
    """Drop clusters with a single mention (the "without singletons" setting)."""
    return [list(c) for c in clusters if len(c) > 1]


def _cluster_index(clusters: MentionClusters) -> Dict[Mention, int]:
    return {m: i for i, cluster in enumerate(clusters) for m in cluster}


def _overlaps(clusters: MentionClusters, other_index: Dict[Mention, int]) -> List[Counter]:
    """For each cluster, how many of its mentions fall in each cluster of the other
    side (key -1 counts mentions the other side does not have)."""
    return [Counter(other_index.get(m, -1) for m in c) for c in clusters]


def _muc_side(clusters: MentionClusters, overlaps: List[Counter]) -> Tuple[int, int]:
    num = den = 0
    for cluster, counts in zip(clusters, overlaps):
        # Partitions of the cluster by the other side; each mention the other side
        # lacks is a partition of its own.
        n_parts = sum(1 for j in counts if j >= 0) + counts.get(-1, 0)
        num += len(cluster) - n_parts
        den += len(cluster) - 1
    return num, den


def _b3_side(clusters: MentionClusters, overlaps: List[Counter]) -> Tuple[float, int]:
    num = 0.0
    den = 0
    for cluster, counts in zip(clusters, overlaps):
        num += sum(c * c for j, c in counts.items() if j >= 0) / len(cluster)
        den += len(cluster)
    return num, den


def _lea_side(
    clusters: MentionClusters,
    overlaps: List[Counter],
    other: MentionClusters,
) -> Tuple[float, int]:
    num = 0.0
    den = 0
    for cluster, counts in zip(clusters, overlaps):
        size = len(cluster)
        if size == 1:
            # A singleton entity has one self-link; it is resolved when the other
            # side has the same mention as a singleton too.
            j = next(iter(counts))
            resolved = 1.0 if j >= 0 and len(other[j]) == 1 else 0.0
        else:
            common = sum(_pairs(c) for j, c in counts.items() if j >= 0)
            resolved = common / _pairs(size)
        num += size * resolved
        den += size
    return num, den


def _ceaf(
    key: MentionClusters,
    response: MentionClusters,
    key_overlaps: List[Counter],
    similarity: Callable[[int, int, int], float],
) -> float:
    """Total similarity of the best one-to-one alignment of key and response
    clusters (Kuhn-Munkres via scipy)."""
    if not key or not response:
        return 0.0
    import numpy
    from scipy.optimize import linear_sum_assignment

    sim = numpy.zeros((len(key), len(response)), dtype="float64")
    for i, counts in enumerate(key_overlaps):
        for j, c in counts.items():
            if j >= 0:
                sim[i, j] = similarity(c, len(key[i]), len(response[j]))
    rows, cols = linear_sum_assignment(sim, maximize=True)
    return float(sim[rows, cols].sum())


def _phi3(common: int, k: int, r: int) -> float:
    return float(common)


def _phi4(common: int, k: int, r: int) -> float:
    return 2.0 * common / (k + r)


@dataclass
class BlancCounts:
    """Coreference (c) and non-coreference (n) link counts, summed over docs."""

    c_key: int = 0
    c_resp: int = 0
    c_tp: int = 0
    n_key: int = 0
    n_resp: int = 0
    n_tp: int = 0

    def __iadd__(self, other: "BlancCounts") -> "BlancCounts":
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def scores(self) -> Tuple[float, float, float]:
        """BLANC (R, P, F1) with the reference scorer's edge cases: when the key
        has links of only one kind, only that kind is scored; F1 is the mean of the
        two F1s, not the harmonic mean of R and P."""
        r_c = self.c_tp / self.c_key if self.c_key else 0.0
        p_c = self.c_tp / self.c_resp if self.c_resp else 0.0
        r_n = self.n_tp / self.n_key if self.n_key else 0.0
        p_n = self.n_tp / self.n_resp if self.n_resp else 0.0
        f_c, f_n = _f1(r_c, p_c), _f1(r_n, p_n)
        if self.c_key and self.n_key:
            return (r_c + r_n) / 2, (p_c + p_n) / 2, (f_c + f_n) / 2
        if self.c_key:
            return r_c, p_c, f_c
        if self.n_key:
            return r_n, p_n, f_n
        return 0.0, 0.0, 0.0


def _blanc_counts(key: MentionClusters, response: MentionClusters, key_overlaps: List[Counter]) -> BlancCounts:
    # Luo et al. (2014): links over the union of key and response mentions; counted
    # in closed form instead of enumerating the O(n^2) mention pairs.
    n_key_m = sum(len(c) for c in key)
    n_resp_m = sum(len(c) for c in response)
    c_key = sum(_pairs(len(c)) for c in key)
    c_resp = sum(_pairs(len(c)) for c in response)
    c_tp = sum(_pairs(c) for counts in key_overlaps for j, c in counts.items() if j >= 0)
    # Non-coreference links in both: pairs of common mentions that lie in different
    # key clusters and in different response clusters.
    common_per_key = [sum(c for j, c in counts.items() if j >= 0) for counts in key_overlaps]
    common_per_resp: Counter = Counter()
    for counts in key_overlaps:
        for j, c in counts.items():
            if j >= 0:
                common_per_resp[j] += c
    n_common = sum(common_per_key)
    n_tp = (
        _pairs(n_common)
        - sum(_pairs(c) for c in common_per_key)
        - sum(_pairs(c) for c in common_per_resp.values())
        + c_tp
    )
    return BlancCounts(
        c_key=c_key,
        c_resp=c_resp,
        c_tp=c_tp,
        n_key=_pairs(n_key_m) - c_key,
        n_resp=_pairs(n_resp_m) - c_resp,
        n_tp=n_tp,
    )


class CorefEvaluator:
    """Accumulates metric counts over documents, as the reference scorer does."""

    def __init__(self) -> None:
        self.counts: Dict[str, PRF] = {m: PRF() for m in METRICS if m != "blanc"}
        self.blanc = BlancCounts()
        self.mentions = PRF()
        self.n_docs = 0

    def add(self, key: MentionClusters, response: MentionClusters) -> None:
        """Score one document and add its counts.

        key (MentionClusters): The gold clusters.
        response (MentionClusters): The predicted clusters.
        """
        key = dedupe_clusters(key)
        response = dedupe_clusters(response)
        key_index = _cluster_index(key)
        resp_index = _cluster_index(response)
        key_ov = _overlaps(key, resp_index)
        resp_ov = _overlaps(response, key_index)
        n_key_m, n_resp_m = len(key_index), len(resp_index)
        n_common = sum(1 for m in key_index if m in resp_index)
        self.mentions += PRF(n_common, n_key_m, n_common, n_resp_m)
        self.counts["muc"] += PRF(*_muc_side(key, key_ov), *_muc_side(response, resp_ov))
        self.counts["b3"] += PRF(*_b3_side(key, key_ov), *_b3_side(response, resp_ov))
        phi3 = _ceaf(key, response, key_ov, _phi3)
        self.counts["ceafm"] += PRF(phi3, n_key_m, phi3, n_resp_m)
        phi4 = _ceaf(key, response, key_ov, _phi4)
        self.counts["ceafe"] += PRF(phi4, len(key), phi4, len(response))
        self.counts["lea"] += PRF(*_lea_side(key, key_ov, response), *_lea_side(response, resp_ov, key))
        self.blanc += _blanc_counts(key, response, key_ov)
        self.n_docs += 1

    def scores(self) -> Dict[str, Tuple[float, float, float]]:
        """RETURNS (Dict[str, Tuple[float, float, float]]): (R, P, F1) per metric
        name in METRICS, plus "mentions" (exact-span mention detection)."""
        result = {name: (c.recall, c.precision, c.f1) for name, c in self.counts.items()}
        result["blanc"] = self.blanc.scores()
        result["mentions"] = (
            self.mentions.recall,
            self.mentions.precision,
            self.mentions.f1,
        )
        return result

    def conll_f1(self) -> float:
        """RETURNS (float): The CoNLL-2012 score, the mean F1 of MUC, B3 and CEAF-e."""
        return sum(self.counts[m].f1 for m in CONLL_METRICS) / len(CONLL_METRICS)


def evaluate_documents(
    gold_docs_clusters: Sequence[MentionClusters],
    pred_docs_clusters: Sequence[MentionClusters],
    *,
    singletons: bool = True,
) -> CorefEvaluator:
    """Score a corpus of documents, micro-averaged like the reference scorer.

    gold_docs_clusters (Sequence[MentionClusters]): Gold clusters per document.
    pred_docs_clusters (Sequence[MentionClusters]): Predicted clusters per document,
        in the same document order.
    singletons (bool): Keep singleton clusters. If False, clusters of one mention are
        removed from both sides before scoring.
    RETURNS (CorefEvaluator): The filled evaluator.
    """
    if len(gold_docs_clusters) != len(pred_docs_clusters):
        raise ValueError(Errors.E070.format(n_gold=len(gold_docs_clusters), n_pred=len(pred_docs_clusters)))
    evaluator = CorefEvaluator()
    for key, response in zip(gold_docs_clusters, pred_docs_clusters):
        # De-duplicate first, so that [m, m] does not pass for a two-mention cluster.
        key = dedupe_clusters(key)
        response = dedupe_clusters(response)
        if not singletons:
            key = remove_singletons(key)
            response = remove_singletons(response)
        evaluator.add(key, response)
    return evaluator


def _score_keys(evaluator: CorefEvaluator, prefix: str, suffix: str) -> Dict[str, float]:
    scores = evaluator.scores()
    result = {f"{prefix}conll_f{suffix}": evaluator.conll_f1()}
    for name, key in (("muc", "muc"), ("b3", "b3"), ("ceafe", "ceafe"), ("lea", "lea")):
        r, p, f = scores[name]
        result[f"{prefix}{key}_p{suffix}"] = p
        result[f"{prefix}{key}_r{suffix}"] = r
        result[f"{prefix}{key}_f{suffix}"] = f
    return result


def score_clusters(
    gold_docs_clusters: Sequence[MentionClusters],
    pred_docs_clusters: Sequence[MentionClusters],
    *,
    prefix: str = "coref_",
) -> Dict[str, float]:
    """Score predicted clusters against gold clusters, with and without singletons.

    gold_docs_clusters (Sequence[MentionClusters]): Per document, a list of clusters,
        each a list of mentions such as `(start, end)` token or character offsets.
    pred_docs_clusters (Sequence[MentionClusters]): The same for the predictions.
    prefix (str): Prefix of every key.
    RETURNS (Dict[str, float]): `coref_conll_f`, `coref_{muc,b3,ceafe,lea}_{p,r,f}`
        with singletons, and the same keys ending in `_nosingletons` without them.
        Values are fractions in [0, 1].
    """
    result = _score_keys(
        evaluate_documents(gold_docs_clusters, pred_docs_clusters, singletons=True),
        prefix,
        "",
    )
    result.update(
        _score_keys(
            evaluate_documents(gold_docs_clusters, pred_docs_clusters, singletons=False),
            prefix,
            "_nosingletons",
        )
    )
    return result
