"""The binding principles from a dependency parse: a verb's object does not refer to the verb's subject, unless
it is a reflexive ("The secretary called the physician and told him ...": him is not the secretary; "The tenant
phoned the landlord", "The tenant argued with the landlord": the landlord is not the tenant).

The word-level model breaks this rule often: on WinoBias dev (type 2), about half of such pronouns took the subject
as their antecedent. A parse states the rule directly, and rule-based coreference used it (Lee et al. 2013). The
`coref` component (`binding = true`) applies it only where an earlier component has parsed the doc; it needs no
parse itself.
"""

from typing import List, Optional, Tuple

import numpy
from spacy.tokens import Doc, Token

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
