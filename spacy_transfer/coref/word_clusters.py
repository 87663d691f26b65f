"""Between word-level scores and span clusters (numpy only): gold targets, losses, decoding."""

from typing import Dict, List, Optional, Tuple

import numpy
from spacy.tokens import Doc

from ..errors import Errors
from .clusters import cluster_keys

HEAD_PREFIX = "coref_heads"
# A reference doc's user_data key: True where only some entity types are annotated (LitBank: people, places,
# organisations, facilities, vehicles, GPEs). There a word heading no gold mention may still head an unannotated
# mention (an object, an event), so training takes no "no antecedent" or "not a mention" target from it.
PARTIAL_KEY = "coref_partial_types"
Spans = List[Tuple[int, int]]


def gold_heads(reference: Doc, predicted: Doc, span_prefix: str) -> List[List[Tuple[int, int, int]]]:
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


def antecedent_targets(cands: numpy.ndarray, clusters: List[List[Tuple[int, int, int]]]) -> numpy.ndarray:
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


def annotated_words(n_words: int, clusters: List[List[Tuple[int, int, int]]], partial: bool) -> Optional[numpy.ndarray]:
    """The words whose targets a doc's annotation gives: all (None), or with partial annotation (`PARTIAL_KEY`)
    only the words heading gold mentions, whose antecedents (or their absence) the annotation does give."""
    if not partial:
        return None
    return mention_targets(n_words, clusters) > 0


def span_loss(
    spans: numpy.ndarray, clusters: List[List[Tuple[int, int, int]]], left: int, right: int
) -> Tuple[float, numpy.ndarray]:
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


def mention_targets(n_words: int, clusters: List[List[Tuple[int, int, int]]]) -> numpy.ndarray:
    """1.0 for each word heading a gold mention (one-mention clusters included), else 0.0: float32, n_words."""
    target = numpy.zeros(n_words, dtype="float32")
    for cluster in clusters:
        for head, _, _ in cluster:
            target[head] = 1.0
    return target


def mention_loss(
    logits: numpy.ndarray, clusters: List[List[Tuple[int, int, int]]], rows: Optional[numpy.ndarray] = None
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


def logit(probability: float) -> float:
    """The logit of a probability in (0, 1)."""
    return float(numpy.log(probability) - numpy.log1p(-probability))


MALE, FEMALE = 1, 2
GENDERED_PRONOUNS = {
    **dict.fromkeys(("he", "him", "his", "himself"), MALE),
    **dict.fromkeys(("she", "her", "hers", "herself"), FEMALE),
}


def pronoun_genders(words: List[str]) -> numpy.ndarray:
    """Per word: MALE or FEMALE for a gendered third-person pronoun, else 0."""
    return numpy.asarray([GENDERED_PRONOUNS.get(w.lower(), 0) for w in words], dtype="int8")


NOT_NAMES = frozenset(GENDERED_PRONOUNS) | {
    "i",
    "it",
    "its",
    "we",
    "you",
    "me",
    "my",
    "our",
    "your",
    "they",
    "them",
    "their",
}


def is_name(word: str) -> bool:
    """A capitalised alphabetic word that is no pronoun: a likely proper name (or a sentence's first word)."""
    return word[:1].isupper() and word.isalpha() and word.lower() not in NOT_NAMES


# Titles that tell people of one name apart ("Mr. Weston", "Mrs. Weston").
TITLES = frozenset("mr mrs miss ms dr sir lady lord madame mme monsieur mister captain colonel".split())


def _title(words: List[str], i: int) -> Optional[str]:
    word = words[i - 1].lower().rstrip(".") if i > 0 else ""
    return word if word in TITLES else None


def drop_name_mismatches(words: List[str], cands: numpy.ndarray, scores: numpy.ndarray) -> numpy.ndarray:
    """The scores with links between two different names ("Bob" -> "Alice"), or between two words after different
    titles ("Mrs. Weston" -> "Mr. Weston"), ruled out (-inf); such words can still end up in one cluster through
    other links."""
    names = numpy.asarray([is_name(w) for w in words], dtype=bool)
    lower = numpy.asarray([w.lower() for w in words], dtype=object)
    titles = numpy.asarray([_title(words, i) or "" for i in range(len(words))], dtype=object)
    safe = cands.clip(min=0)
    mismatch = names[:, None] & names[safe] & (lower[:, None] != lower[safe])
    mismatch |= (titles[:, None] != "") & (titles[safe] != "") & (titles[:, None] != titles[safe])
    return numpy.where(mismatch & (cands >= 0), -numpy.inf, scores).astype(scores.dtype)


# Exact string match joins repeated names and definite descriptions, which the model leaves apart too often
# (the first sieve of rule-based coreference, Lee et al. 2013); chosen on LitBank dev (see docs/coref.md).
PRONOUNS = NOT_NAMES | frozenset(
    "mine myself yours yourself yourselves itself us ours ourselves theirs themselves".split()
)
DEFINITE = frozenset(("the", "this", "that"))
# The mention scorer's probability above which a word takes part (0.3-0.5 within 0.1 on dev).
MATCH_MENTION_PROBABILITY = 0.4


def span_bounds(spans: numpy.ndarray, left: int) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Per word, the predicted start and (inclusive) end of the mention it heads, as offsets from the word."""
    return numpy.argmax(spans[:, :, 0], axis=1) - left, numpy.argmax(spans[:, :, 1], axis=1) - left


def string_matches(
    words: List[str], spans: numpy.ndarray, left: int, mention_words: numpy.ndarray
) -> List[Tuple[int, int]]:
    """Pairs (i, j), j < i, of words that head mentions with the same string, for decode_clusters to join.

    A capitalised word that is no pronoun matches the same word ("Hartfield" ... "Hartfield"), unless the two
    follow different titles ("Mr. Weston", "Mrs. Weston"); a mention that opens with the, this or that matches
    a mention with the same words after it ("the old house" ... "that old house"). j is the latest earlier word
    with i's string. Only words that head a mention (`mention_words`, from the mention scorer) take part.
    """
    starts, ends = span_bounds(spans, left)
    last: Dict[str, int] = {}
    pairs = []
    for i in numpy.flatnonzero(mention_words).tolist():
        word = words[i]
        if word.lower() in PRONOUNS:
            continue
        if word[:1].isupper():
            key = word
        else:
            start, end = i + int(starts[i]), i + int(ends[i]) + 1
            if end - start < 2 or words[start].lower() not in DEFINITE:
                continue
            key = " ".join(w.lower() for w in words[start + 1 : end])
        j = last.get(key)
        last[key] = i
        if j is None:
            continue
        title_i, title_j = _title(words, i), _title(words, j)
        if title_i is None or title_j is None or title_i == title_j:
            pairs.append((i, j))
    return pairs


def antecedent_probabilities(scores: numpy.ndarray) -> numpy.ndarray:
    """Per word, the softmax probability of each candidate, "no antecedent" (score 0) included in the sum."""
    return _log_softmax_parts(_with_no_antecedent(scores))[1][:, 1:]


def decode_clusters(
    cands: numpy.ndarray,
    scores: numpy.ndarray,
    spans: numpy.ndarray,
    left: int,
    genders: Optional[numpy.ndarray] = None,
    singles: Optional[numpy.ndarray] = None,
    matches: Optional[List[Tuple[int, int]]] = None,
    join_probability: Optional[float] = None,
    words: Optional[List[str]] = None,
) -> Tuple[List[Spans], List[Dict[str, numpy.ndarray]]]:
    """Link each word to its best antecedent (or none), cluster the links, widen heads to spans.

    genders (Optional[numpy.ndarray]): per word, MALE/FEMALE for gendered pronouns (see
        `pronoun_genders`); given, a word takes its best antecedent whose cluster holds no pronoun of
        the other gender than its own cluster (else the next best, or none).
    singles (Optional[numpy.ndarray]): per word, whether it heads a mention (the mention scorer); given,
        such a word in no cluster becomes a one-mention cluster, unless its span is a clustered mention.
    matches (Optional[List[Tuple[int, int]]]): word pairs to join after the links (`string_matches`), each
        where gender agreement allows.
    join_probability (Optional[float]): given, a word also joins every other candidate that it prefers to "no
        antecedent" and gives more than this probability (softmax over its candidates and "no antecedent"),
        where gender agreement allows, unless both clusters hold common nouns and none in common (two people
        such as "the physician" and "the secretary" never merge this way); the best one it takes anyway.
    words (Optional[List[str]]): the doc's words, needed with join_probability.
    RETURNS (Tuple[List[Spans], list]): clusters of (start, end) mentions in document order,
        and per cluster the head words with their link scores (for coref_scores).
    """
    n = len(cands)
    if n == 0:
        return [], []
    parent = list(range(n))
    gender = [int(g) for g in genders] if genders is not None else None  # MALE | FEMALE bits per cluster root

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def agree(i: int, j: int) -> bool:
        if gender is None:
            return True
        both = gender[find(i)] | gender[find(j)]
        return both & (both - 1) == 0  # at most one class of pronoun in the merged cluster

    # Per cluster root, its common-noun head words (only join_probability reads them).
    nouns: Dict[int, set] = {}
    if join_probability is not None and words is not None:
        nouns = {
            i: {w.lower()}
            for i, w in enumerate(words)
            if w.isalpha() and not w[:1].isupper() and w.lower() not in PRONOUNS
        }

    def join(i: int, j: int) -> None:
        a, b = find(i), find(j)
        parent[a] = b
        if gender is not None:
            gender[b] |= gender[a]
        if a in nouns:
            nouns[b] = nouns.get(b, set()) | nouns.pop(a)

    def distinct_nouns(i: int, j: int) -> bool:
        a, b = nouns.get(find(i)), nouns.get(find(j))
        return bool(a and b and not a & b)

    antecedent: Dict[int, int] = {}
    for i in numpy.flatnonzero((scores > 0).any(axis=1)).tolist():
        # Without constraints the best candidate always agrees: no need to rank the others.
        order = numpy.argsort(-scores[i], kind="stable") if gender is not None else [numpy.argmax(scores[i])]
        for c in order:
            if not scores[i, c] > 0:  # "no antecedent" (score 0) beats the rest
                break
            j = int(cands[i, c])
            if agree(i, j):
                join(i, j)
                antecedent[i] = j
                break
    matched = set()
    for i, j in matches or ():
        if find(i) != find(j) and agree(i, j):
            join(i, j)
            matched.update((i, j))
    if join_probability is not None:
        if words is None:
            raise ValueError("decode_clusters: join_probability needs the doc's words")
        sure = (scores > 0) & (antecedent_probabilities(scores) > join_probability)
        for i, c in zip(*numpy.nonzero(sure)):
            i, j = int(i), int(cands[i, c])
            if find(i) != find(j) and agree(i, j) and not distinct_nouns(i, j):
                join(i, j)
                matched.update((i, j))
    linked = set(antecedent) | set(antecedent.values()) | matched
    members: Dict[int, List[int]] = {}
    for i in linked:
        members.setdefault(find(i), []).append(i)
    starts, ends = span_bounds(spans, left)
    used = set()
    found = []  # (first head word, mentions, their head words)
    # Linked words first, so that a one-mention cluster never takes a span a linked cluster has.
    groups = sorted(members.values(), key=min)
    if singles is not None:
        groups += [[i] for i in numpy.flatnonzero(singles).tolist() if i not in linked]
    for group in groups:
        mentions, words = [], []
        for head in sorted(group):
            span = (int(head + starts[head]), int(head + ends[head] + 1))
            if span in used:
                continue
            used.add(span)
            mentions.append(span)
            words.append(head)
        if len(mentions) > 1 or (singles is not None and mentions):
            order = sorted(range(len(mentions)), key=lambda m: (mentions[m][0], -mentions[m][1]))
            found.append((min(group), [mentions[m] for m in order], [words[m] for m in order]))
    found.sort(key=lambda f: f[0])
    clusters = [f[1] for f in found]
    heads = [f[2] for f in found]
    return clusters, heads


def link_scores(
    cands: numpy.ndarray, scores: numpy.ndarray, clusters: List[Spans], heads: List[List[int]]
) -> Dict[str, list]:
    """Scores in the format of doc._.coref_scores: every clustered mention's "new entity"
    score (0) and its scores for the candidates that are clustered mentions too."""
    spans: Spans = [m for cluster in clusters for m in cluster]
    words = [h for cluster in heads for h in cluster]
    index = {h: i for i, h in enumerate(words)}
    ant, men, pair = [], [], []
    for i, head in enumerate(words):
        for j, cand in enumerate(cands[head].tolist()):
            if cand in index and numpy.isfinite(scores[head, j]):
                ant.append(index[cand])
                men.append(i)
                pair.append(float(scores[head, j]))
    return {"spans": [list(s) for s in spans], "single": [0.0] * len(spans), "ant": ant, "men": men, "pair": pair}


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
