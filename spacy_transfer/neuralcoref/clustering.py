"""Greedy antecedent decisions and cluster building (numpy only, no torch)."""

from typing import Dict

import numpy

MENTION_TYPE_PROPER, MENTION_TYPE_NOMINAL, MENTION_TYPE_PRONOMINAL = 2, 1, 0


def empty_prediction() -> Dict[str, numpy.ndarray]:
    i = numpy.zeros((0,), dtype=numpy.int64)
    f = numpy.zeros((0,), dtype="float32")
    return {
        "spans": numpy.zeros((0, 2), dtype=numpy.int64),
        "types": i,
        "single": f,
        "pair": f,
        "ant": i,
        "men": i,
        "best": i,
    }


def decide_antecedents(single, pair, ant, men, greedyness: float) -> numpy.ndarray:
    """Each mention's antecedent: the best-scoring one when its score beats the mention's
    own "new entity" score shifted by greedyness, else the mention itself."""
    n_m = len(single)
    best = numpy.arange(n_m)
    if len(pair) == 0:
        return best
    threshold = single - 50.0 * (greedyness - 0.5)
    starts = numpy.flatnonzero(numpy.r_[True, men[1:] != men[:-1]])
    group_max = numpy.maximum.reduceat(pair, starts)
    group_men = men[starts]
    sizes = numpy.diff(numpy.r_[starts, len(men)])
    is_max = pair == numpy.repeat(group_max, sizes)
    # first antecedent reaching the maximum, as the original's strict ">" scan
    positions = numpy.where(is_max, numpy.arange(len(pair)), len(pair))
    first = numpy.minimum.reduceat(positions, starts)
    take = group_max > threshold[group_men]
    best[group_men[take]] = ant[first[take]]
    return best


def build_clusters(best: numpy.ndarray, types: numpy.ndarray):
    """Merge mentions with their antecedents; pick the main mention as the original does
    (a proper name wins over a noun phrase, which wins over a pronoun).

    RETURNS (List[Tuple[List[int], int]]): (mention indices in document order, main index),
        for clusters of two or more mentions, ordered by their first mention.
    """
    n = len(best)
    owner = list(range(n))
    members = {i: [i] for i in range(n)}
    main = list(range(n))
    for m, a in enumerate(best.tolist()):
        if a == m or owner[a] == owner[m]:
            continue
        keep, gone = owner[a], owner[m]
        for idx in members[gone]:
            owner[idx] = keep
        members[keep].extend(members.pop(gone))
        if types[a] != types[m] and (
            types[m] == MENTION_TYPE_PROPER
            or (types[m] == MENTION_TYPE_NOMINAL and types[a] == MENTION_TYPE_PRONOMINAL)
        ):
            main[a] = m
    out = []
    for key in sorted(members):
        if len(members[key]) > 1:
            out.append((sorted(members[key]), main[key]))
    return out
