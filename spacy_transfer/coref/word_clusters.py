"""From word-level scores to span clusters: the link rules (names, titles, binding), string matches, decoding.

`decode_clusters` runs its steps in a fixed order, each in its own function: link every word to its best
antecedent (`link_antecedents`), join string matches (`join_matches`) and confident second antecedents
(`join_probable`), then widen the head words of each cluster to mention spans (`widen_to_spans`). The joins
share one union-find (`WordClusters`), which knows each cluster's pronoun genders and common nouns.
"""

from typing import Dict, Iterable, List, Optional, Set, Tuple

import numpy
from spacy.tokens import Doc, Token

from .loss import antecedent_probabilities
from .word_lists import GENDERED_PRONOUNS, PERSONAL_PRONOUNS, is_name

Spans = List[Tuple[int, int]]


def logit(probability: float) -> float:
    """The logit of a probability in (0, 1)."""
    return float(numpy.log(probability) - numpy.log1p(-probability))


def pronoun_genders(words: List[str]) -> numpy.ndarray:
    """Per word: MALE or FEMALE for a gendered third-person pronoun, else 0."""
    return numpy.asarray([GENDERED_PRONOUNS.get(w.lower(), 0) for w in words], dtype="int8")


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


# The binding principles from a dependency parse: a verb's object does not refer to the verb's subject, unless it is
# a reflexive ("The secretary called the physician and told him ...": him is not the secretary; "The tenant phoned
# the landlord", "The tenant argued with the landlord": the landlord is not the tenant). The word-level model breaks
# this rule often (on WinoBias dev, type 2, about half of such pronouns took the subject as their antecedent); a
# parse states it directly, as rule-based coreference used it (Lee et al. 2013). `binding = true` applies it only
# where an earlier component has parsed the doc.
# Objects that the binding principles keep apart from their verb's subject: plain pronouns (principle B: "told
# him") and nouns and names (principle C: "The tenant phoned the landlord"). Reflexives ("himself") are left out,
# as they corefer with the subject.
OBJECT_PRONOUNS = frozenset("me you him her it us them".split())
OBJECT_POS = frozenset(("NOUN", "PROPN"))
# A verb's own objects, in the labels of spaCy's English pipelines (ClearNLP) and of Universal Dependencies.
OBJECT_DEPS = frozenset(("dobj", "dative", "obj", "iobj"))
# Objects of prepositions count for nouns and names only (principle C): a pronoun after a locative preposition may
# refer to the subject ("She pulled the blanket over her"). In the gold clusters of LitBank and GUM train (parsed
# by en_core_web_sm), 10 of 2,411 such pairs corefer (0.4 %; the verb's own objects: 55 of 2,347).
PREPOSITION_DEPS = frozenset(("prep", "agent"))  # ClearNLP: the preposition on the verb, its noun a pobj
OBLIQUE_DEPS = frozenset(("obl", "obl:agent"))  # UD: the noun on the verb, its preposition a case
DESCRIBING_PREPS = frozenset(("as", "like"))
VERB_POS = frozenset(("VERB", "AUX"))
SUBJECT_DEPS = frozenset(("nsubj", "nsubjpass", "nsubj:pass"))
# A relative pronoun as subject ("the soul that had called him") stands for a noun outside its clause.
RELATIVE_TAGS = frozenset(("WDT", "WP", "WP$"))


def clause_subject(verb: Token) -> Optional[Token]:
    """The verb's subject; for a coordinated verb without its own ("... and told him"), the subject of the verb it
    is coordinated with."""
    while True:
        for child in verb.children:
            if child.dep_ in SUBJECT_DEPS:
                return child
        if verb.dep_ != "conj" or verb.head is verb:
            return None
        verb = verb.head


def is_relative(token: Token) -> bool:
    """A relative pronoun, by its fine-grained tag (English pipelines) or its morphology (UD)."""
    return token.tag_ in RELATIVE_TAGS or "Rel" in token.morph.get("PronType")


def object_verb(token: Token) -> Optional[Token]:
    """The verb whose object `token` is, for the binding principles; else None.

    A plain pronoun or a noun as the verb's own object ("told him", "phoned the landlord"), or a noun or name as
    the object of a preposition on the verb ("argued with the designer"; not "as" or "like", whose object may
    describe the subject: "served as the president").
    """
    if token.dep_ in OBJECT_DEPS:
        return token.head if token.lower_ in OBJECT_PRONOUNS or token.pos_ in OBJECT_POS else None
    if token.pos_ not in OBJECT_POS:
        return None
    if token.dep_ == "pobj" and token.head.dep_ in PREPOSITION_DEPS and token.head.lower_ not in DESCRIBING_PREPS:
        verb = token.head.head
    elif token.dep_ in OBLIQUE_DEPS and not any(
        c.dep_ == "case" and c.lower_ in DESCRIBING_PREPS for c in token.children
    ):
        verb = token.head
    else:
        return None
    return verb if verb.pos_ in VERB_POS else None


def bound_pairs(doc: Doc) -> List[Tuple[int, int]]:
    """Pairs (object, subject) of word indices that the binding principles keep apart; none for a doc without a
    parse. Both are head words of their phrases, as the word-level model's mentions are."""
    if not doc.has_annotation("DEP"):
        return []
    pairs = []
    for token in doc:
        verb = object_verb(token)
        if verb is None:
            continue
        subject = clause_subject(verb)
        if subject is not None and subject.i != token.i and not is_relative(subject):
            pairs.append((token.i, subject.i))
    return pairs


def drop_bound_links(doc: Doc, cands: numpy.ndarray, scores: numpy.ndarray) -> numpy.ndarray:
    """The scores with the link from each object to its verb's subject ruled out (-inf), so that the object takes
    its next best antecedent (or none); the two can still meet in one cluster through other links."""
    pairs = bound_pairs(doc)
    if not pairs:
        return scores
    scores = scores.copy()
    for obj, subject in pairs:
        scores[obj, cands[obj] == subject] = -numpy.inf
    return scores


# Exact string match joins repeated names and definite descriptions, which the model leaves apart too often
# (the first sieve of rule-based coreference, Lee et al. 2013); chosen on LitBank dev (see docs/coref.md).
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

    A capitalised word that is no personal pronoun matches the same word ("Hartfield" ... "Hartfield"), unless
    the two follow different titles ("Mr. Weston", "Mrs. Weston"); a mention that opens with the, this or that
    matches a mention with the same words after it ("the old house" ... "that old house"). j is the latest
    earlier word with i's string. Only words that head a mention (`mention_words`, from the mention scorer)
    take part.
    """
    starts, ends = span_bounds(spans, left)
    last: Dict[str, int] = {}
    pairs = []
    for i in numpy.flatnonzero(mention_words).tolist():
        word = words[i]
        if word.lower() in PERSONAL_PRONOUNS:
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


class WordClusters:
    """Clusters of words under construction (a union-find over word indices), with per cluster the classes of
    its gendered pronouns (MALE | FEMALE bits) and its common-noun head words."""

    def __init__(self, n: int, genders: Optional[numpy.ndarray] = None, nouns: Optional[List[str]] = None) -> None:
        """n (int): the number of words, each its own cluster at first.
        genders (Optional[numpy.ndarray]): per word, MALE/FEMALE or 0 (see `pronoun_genders`); None: no gender
            agreement.
        nouns (Optional[List[str]]): the doc's words, whose common nouns `distinct_nouns` compares; None: none.
        """
        self.parent = list(range(n))
        self.gender = [int(g) for g in genders] if genders is not None else None
        self.nouns: Dict[int, set] = {}
        if nouns is not None:
            self.nouns = {
                i: {w.lower()}
                for i, w in enumerate(nouns)
                if w.isalpha() and not w[:1].isupper() and w.lower() not in PERSONAL_PRONOUNS
            }

    def find(self, i: int) -> int:
        """The root word of i's cluster."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def agree(self, i: int, j: int) -> bool:
        """Whether the clusters of i and j together hold at most one class of gendered pronoun (always without
        gender agreement)."""
        if self.gender is None:
            return True
        both = self.gender[self.find(i)] | self.gender[self.find(j)]
        return both & (both - 1) == 0

    def join(self, i: int, j: int) -> None:
        """Merge i's cluster into j's."""
        a, b = self.find(i), self.find(j)
        self.parent[a] = b
        if self.gender is not None:
            self.gender[b] |= self.gender[a]
        if a in self.nouns:
            self.nouns[b] = self.nouns.get(b, set()) | self.nouns.pop(a)

    def distinct_nouns(self, i: int, j: int) -> bool:
        """Whether both clusters hold common nouns, and none in common ("the physician", "the secretary")."""
        a, b = self.nouns.get(self.find(i)), self.nouns.get(self.find(j))
        return bool(a and b and not a & b)

    def members(self, words: Iterable[int]) -> List[List[int]]:
        """The given words grouped by cluster, the groups in the order of their first word."""
        groups: Dict[int, List[int]] = {}
        for i in words:
            groups.setdefault(self.find(i), []).append(i)
        return sorted(groups.values(), key=min)


def link_antecedents(forest: WordClusters, cands: numpy.ndarray, scores: numpy.ndarray) -> Dict[int, int]:
    """Join every word to its best-scoring antecedent that beats "no antecedent" (score 0) and agrees in gender
    (else the next best, or none); returns word -> antecedent."""
    antecedent: Dict[int, int] = {}
    for i in numpy.flatnonzero((scores > 0).any(axis=1)).tolist():
        # Without constraints the best candidate always agrees: no need to rank the others.
        order = numpy.argsort(-scores[i], kind="stable") if forest.gender is not None else [numpy.argmax(scores[i])]
        for c in order:
            if not scores[i, c] > 0:  # "no antecedent" (score 0) beats the rest
                break
            j = int(cands[i, c])
            if forest.agree(i, j):
                forest.join(i, j)
                antecedent[i] = j
                break
    return antecedent


def join_matches(forest: WordClusters, matches: Iterable[Tuple[int, int]]) -> Set[int]:
    """Join each pair of words (`string_matches`) not yet in one cluster, where gender agrees; returns the
    words of the pairs joined."""
    matched: Set[int] = set()
    for i, j in matches:
        if forest.find(i) != forest.find(j) and forest.agree(i, j):
            forest.join(i, j)
            matched.update((i, j))
    return matched


def join_probable(
    forest: WordClusters, cands: numpy.ndarray, scores: numpy.ndarray, join_probability: float
) -> Set[int]:
    """Join every word to each candidate it prefers to "no antecedent" with more than `join_probability`
    (softmax over its candidates and "no antecedent"), where gender agrees and the two clusters' common nouns
    are not distinct; returns the words of the pairs joined."""
    matched: Set[int] = set()
    sure = (scores > 0) & (antecedent_probabilities(scores) > join_probability)
    for i, c in zip(*numpy.nonzero(sure)):
        i, j = int(i), int(cands[i, c])
        if forest.find(i) != forest.find(j) and forest.agree(i, j) and not forest.distinct_nouns(i, j):
            forest.join(i, j)
            matched.update((i, j))
    return matched


def widen_to_spans(
    groups: List[List[int]], spans: numpy.ndarray, left: int, keep_single: bool
) -> Tuple[List[Spans], List[List[int]]]:
    """Each group's head words widened to their predicted mention spans: a span taken by an earlier group (or an
    earlier head of the same group) is dropped, and so is a group left with one mention unless `keep_single`.

    groups (List[List[int]]): head words per cluster; linked clusters first, so that a one-mention cluster
        never takes a span a linked cluster has.
    RETURNS (Tuple[List[Spans], List[List[int]]]): clusters of (start, end) mentions, end exclusive, and their
        head words, both in document order (clusters by their first head word).
    """
    starts, ends = span_bounds(spans, left)
    used = set()
    found = []  # (first head word, mentions, their head words)
    for group in groups:
        mentions, heads = [], []
        for head in sorted(group):
            span = (int(head + starts[head]), int(head + ends[head] + 1))
            if span in used:
                continue
            used.add(span)
            mentions.append(span)
            heads.append(head)
        if len(mentions) > 1 or (keep_single and mentions):
            order = sorted(range(len(mentions)), key=lambda m: (mentions[m][0], -mentions[m][1]))
            found.append((min(group), [mentions[m] for m in order], [heads[m] for m in order]))
    found.sort(key=lambda f: f[0])
    return [f[1] for f in found], [f[2] for f in found]


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
) -> Tuple[List[Spans], List[List[int]]]:
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
    RETURNS (Tuple[List[Spans], List[List[int]]]): clusters of (start, end) mentions in document order,
        and per cluster the head words (for coref_scores).
    """
    n = len(cands)
    if n == 0:
        return [], []
    if join_probability is not None and words is None:
        raise ValueError("decode_clusters: join_probability needs the doc's words")
    forest = WordClusters(n, genders, words if join_probability is not None else None)
    antecedent = link_antecedents(forest, cands, scores)
    matched = join_matches(forest, matches or ())
    if join_probability is not None:
        matched |= join_probable(forest, cands, scores, join_probability)
    linked = set(antecedent) | set(antecedent.values()) | matched
    groups = forest.members(linked)
    if singles is not None:
        groups += [[i] for i in numpy.flatnonzero(singles).tolist() if i not in linked]
    return widen_to_spans(groups, spans, left, keep_single=singles is not None)


def link_scores(
    cands: numpy.ndarray, scores: numpy.ndarray, clusters: List[Spans], heads: List[List[int]]
) -> Dict[str, list]:
    """Scores in the format of doc._.coref_scores: every clustered mention's "new entity"
    score (0) and its scores for the candidates that are clustered mentions too."""
    spans: Spans = [m for cluster in clusters for m in cluster]
    words = numpy.asarray([h for cluster in heads for h in cluster], dtype="int64")
    position = numpy.full(len(cands), -1, dtype="int64")
    position[words] = numpy.arange(len(words))
    row_cands, row_scores = cands[words], scores[words]
    antecedent = numpy.where(row_cands >= 0, position[row_cands.clip(min=0)], -1)
    men_index, col = numpy.nonzero((antecedent >= 0) & numpy.isfinite(row_scores))  # row-major: mention order
    ant, men = antecedent[men_index, col].tolist(), men_index.tolist()
    pair = row_scores[men_index, col].astype(float).tolist()
    return {"spans": [list(s) for s in spans], "single": [0.0] * len(spans), "ant": ant, "men": men, "pair": pair}
