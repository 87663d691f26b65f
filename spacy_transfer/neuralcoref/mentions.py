"""Rule-based mention detection, re-implemented from neuralcoref's rules for spaCy 3.

The rules read the tagger (PTB tags), parser and NER output. Quirks of the original are kept
on purpose where the pretrained weights were trained with them (for example a possessive
subject span is one token longer than its subtree), because the model's features were
computed on exactly these mentions.
"""

from typing import Dict, List, Set, Tuple

import numpy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, IDX, IS_DIGIT, LENGTH, LOWER, POS, TAG
from spacy.tokens import Doc

# fmt: off
NO_COREF_LIST = {"i", "me", "my", "you", "your"}
MENTION_TYPE = {"PRONOMINAL": 0, "NOMINAL": 1, "PROPER": 2, "LIST": 3}
KEEP_TAGS = {"NN", "NNP", "NNPS", "NNS", "PRP", "PRP$", "DT", "IN"}
CONTENT_TAGS = {"NN", "NNS", "NNP", "NNPS"}
PRP_TAGS = {"PRP", "PRP$"}
CONJ_TAGS = {"CC", ","}
PROPER_TAGS = {"NNP", "NNPS"}
NSUBJ_OR_DEP = {"nsubj", "dep"}
CONJ_OR_PREP = {"conj", "prep"}
LEAVE_DEP = {"det", "compound", "appos"}
KEEP_DEP = {"nsubj", "dobj", "iobj", "pobj"}
REMOVE_POS = {"CCONJ", "SCONJ", "INTJ", "ADP"}
LOWER_NOT_END = {"'s", ",", ".", "!", "?", ":", ";"}
# The original list says FACILITY, a label spaCy's English models never predicted (they
# use FAC); the pretrained model never saw FAC entities as mentions, so neither do we.
ACCEPTED_ENTS = {"PERSON", "NORP", "FACILITY", "ORG", "GPE", "LOC", "PRODUCT", "EVENT",
                 "WORK_OF_ART", "LANGUAGE"}
# fmt: on
SPAN_FACTOR = 4  # at most 4 candidate spans per token of a sentence, as the original
MAX_ITER = 100

TOKEN_ATTRS = [TAG, DEP, POS, LOWER, HEAD, ENT_IOB, ENT_TYPE, IS_DIGIT, IDX, LENGTH]


def _subtree_edges(head: numpy.ndarray):
    """First and last token of every token's subtree (spaCy's left_edge / right_edge),
    by pushing edges up the tree one level per step: a few numpy passes, no Token objects."""
    n = len(head)
    left, right = numpy.arange(n), numpy.arange(n)
    for _ in range(n):
        new_left, new_right = left.copy(), right.copy()
        numpy.minimum.at(new_left, head, left)
        numpy.maximum.at(new_right, head, right)
        if numpy.array_equal(new_left, left) and numpy.array_equal(new_right, right):
            break
        left, right = new_left, new_right
    return left, right


class TokenTable:
    """Per-token arrays of one parsed Doc, read once so the rules never touch Token objects.

    doc (Doc): a Doc with tags, a dependency parse and entities.
    """

    def __init__(self, doc: Doc) -> None:
        strings = doc.vocab.strings
        arr = doc.to_array(TOKEN_ATTRS)
        n = len(doc)
        self.n = n
        self.tag = [strings[h] for h in arr[:, 0]]
        self.dep = [strings[h] for h in arr[:, 1]]
        self.pos = [strings[h] for h in arr[:, 2]]
        self.lower_hash = arr[:, 3].copy()
        self.lower = [strings[h] for h in arr[:, 3]]
        self.head = numpy.arange(n, dtype=numpy.int64) + arr[:, 4].astype(numpy.int64)
        self.ent_iob = arr[:, 5].astype(numpy.int64)
        self.ent_type = [strings[h] for h in arr[:, 6]]
        self.is_digit = arr[:, 7].astype(bool)
        self.idx = arr[:, 8].astype(numpy.int64)
        self.length = arr[:, 9].astype(numpy.int64)
        self.left_edge, self.right_edge = _subtree_edges(self.head)
        self.children: List[List[int]] = [[] for _ in range(n)]
        for j in range(n):
            h = int(self.head[j])
            if h != j:
                self.children[h].append(j)
        self.sent_id = numpy.zeros(n, dtype=numpy.int64)
        self.sent_bounds: List[Tuple[int, int]] = []
        for k, sent in enumerate(doc.sents):
            self.sent_id[sent.start : sent.end] = k
            self.sent_bounds.append((sent.start, sent.end))
        self.sent_start = numpy.zeros(n, dtype=numpy.int64)
        self.sent_end = numpy.zeros(n, dtype=numpy.int64)
        for start, end in self.sent_bounds:
            self.sent_start[start:end] = start
            self.sent_end[start:end] = end


def _enlarge_span(t: TokenTable, i: int, sent_start: int, sent_end: int, subj_only: bool):
    """Span of token i grown to its children's subtrees, trimmed of bad first/last tokens.

    Only children inside the sentence count; with subj_only, only nsubj/dep children.
    RETURNS (Tuple[int, int]): start and exclusive end (start == end means empty).
    """
    lo = hi = i
    for c in t.children[i]:
        if c < sent_start or c >= sent_end:
            continue
        if subj_only and t.dep[c] not in NSUBJ_OR_DEP:
            continue
        lo = min(lo, int(t.left_edge[c]))
        hi = max(hi, int(t.right_edge[c]))
    while hi >= lo and hi > sent_start and (t.pos[hi] in REMOVE_POS or t.lower[hi] in LOWER_NOT_END):
        hi -= 1
    while lo <= hi and lo < sent_end - 1 and (t.pos[lo] in REMOVE_POS or t.lower[lo] in LOWER_NOT_END):
        lo += 1
    return lo, hi + 1


def _extract_from_sent(t: TokenTable, sent_start: int, sent_end: int, blacklist: bool) -> List[Tuple[int, int]]:
    spans: List[Tuple[int, int]] = []
    max_spans = (sent_end - sent_start) * SPAN_FACTOR
    # once per sentence, not once per token: that made a 3,000-token sentence quadratic
    has_conj_or_prep = any(t.dep[k] in CONJ_OR_PREP for k in range(sent_start, sent_end))

    def add(start: int, end: int) -> bool:
        spans.append((start, end))
        return len(spans) >= max_spans

    for i in range(sent_start, sent_end):
        if blacklist and t.lower[i] in NO_COREF_LIST:
            continue
        tag, dep = t.tag[i], t.dep[i]
        if tag not in KEEP_TAGS or (dep in LEAVE_DEP and dep not in KEEP_DEP):
            continue
        if tag in PRP_TAGS:
            if add(i, i + 1):
                return spans
            # a pronoun heading a conjunction ("you and I") is also a mention as a whole
            if t.children[i]:
                if add(int(t.left_edge[i]), int(t.right_edge[i]) + 1):
                    return spans
            continue
        if t.lower[i] == "'s":
            head = int(t.head[i])
            for _ in range(MAX_ITER):
                if head == 0:
                    break
                if t.dep[head] == "nsubj":
                    start, end = _enlarge_span(t, head, sent_start, sent_end, subj_only=True)
                    if add(start, min(end + 1, t.n)):
                        return spans
                    break
                head = int(t.head[head])
            continue
        start, end = _enlarge_span(t, i, sent_start, sent_end, subj_only=False)
        if tag == "IN" and dep == "mark" and start == end:
            start, end = _enlarge_span(t, int(t.head[i]), sent_start, sent_end, subj_only=False)
        if start == end or t.lower[start] == "'s":
            continue
        if add(start, end):
            return spans
        # the original adds the same span a second time in sentences with conj/prep
        # dependencies; it only matters for the per-sentence cap, which we keep exact
        if has_conj_or_prep:
            if add(start, end):
                return spans
    return spans


def extract_mentions(doc: Doc, table: TokenTable, blacklist: bool) -> List[Tuple[int, int]]:
    """Candidate mention spans (start, end) of a parsed doc, sorted and deduplicated.

    doc (Doc): the parsed document.
    table (TokenTable): its token arrays.
    blacklist (bool): skip "i", "me", "my", "you", "your".
    RETURNS (List[Tuple[int, int]]): sorted unique (start, end) token offsets.
    """
    found: Set[Tuple[int, int]] = set()
    for ent in doc.ents:
        if ent.label_ in ACCEPTED_ENTS and ent.end > ent.start:
            found.add((ent.start, ent.end))
    for sent_start, sent_end in table.sent_bounds:
        for start, end in _extract_from_sent(table, sent_start, sent_end, blacklist):
            if end > start:
                found.add((start, end))
    # A mention needs a letter or digit. Emoji and symbols that the tagger calls nouns are no entity, and
    # thousands of identical ones ("😀" * 2000) each compared with hundreds of earlier ones.
    n_alnum = numpy.zeros(table.n + 1, dtype=numpy.int64)
    numpy.cumsum([any(c.isalnum() for c in word) for word in table.lower], out=n_alnum[1:])
    return sorted((start, end) for start, end in found if n_alnum[end] > n_alnum[start])


def mention_type(table: TokenTable, start: int, end: int, root: int) -> int:
    if any(table.tag[k] in CONJ_TAGS and table.ent_type[k] not in ACCEPTED_ENTS for k in range(start, end)):
        return MENTION_TYPE["LIST"]
    if table.tag[root] in PRP_TAGS:
        return MENTION_TYPE["PRONOMINAL"]
    if table.ent_type[root] in ACCEPTED_ENTS or table.tag[root] in PROPER_TAGS:
        return MENTION_TYPE["PROPER"]
    return MENTION_TYPE["NOMINAL"]


def content_words(table: TokenTable, start: int, end: int) -> Set[str]:
    return {table.lower[k] for k in range(start, end) if table.tag[k] in CONTENT_TAGS}


def build_word_index(words: List[Set[str]]) -> Dict[str, List[int]]:
    index: Dict[str, List[int]] = {}
    for i, ws in enumerate(words):
        for w in ws:
            index.setdefault(w, []).append(i)
    return index
