"""The binding constraint of the `coref` component: a verb's object never takes the verb's subject as antecedent
where the doc is parsed (word_clusters.py)."""

import numpy
import pytest
import spacy
from spacy.tokens import Doc

from spacy_transfer.coref.word_clusters import bound_pairs, drop_bound_links

from ..conftest import load_english

# Own sentences, parsed by hand in spaCy's English scheme (ClearNLP labels).
TOLD = (
    "The secretary called the doctor and told him about herself .".split(),
    [1, 2, 2, 4, 2, 2, 2, 6, 6, 8, 2],
    ["det", "nsubj", "ROOT", "det", "dobj", "cc", "conj", "dobj", "prep", "pobj", "punct"],
    ["DET", "NOUN", "VERB", "DET", "NOUN", "CCONJ", "VERB", "PRON", "ADP", "PRON", "PUNCT"],
    ["DT", "NN", "VBD", "DT", "NN", "CC", "VBD", "PRP", "IN", "PRP", "."],
)
RELATIVE = (
    "She saw the man who had called her .".split(),
    [1, 1, 3, 1, 6, 6, 3, 6, 1],
    ["nsubj", "ROOT", "det", "dobj", "nsubj", "aux", "relcl", "dobj", "punct"],
    ["PRON", "VERB", "DET", "NOUN", "PRON", "AUX", "VERB", "PRON", "PUNCT"],
    ["PRP", "VBD", "DT", "NN", "WP", "VBD", "VBN", "PRP", "."],
)

ARGUED = (
    "The developer argued with the designer and sat near her like a child .".split(),
    [1, 2, 2, 2, 5, 3, 2, 2, 7, 8, 7, 12, 10, 2],
    ["det", "nsubj", "ROOT", "prep", "det", "pobj", "cc", "conj", "prep", "pobj", "prep", "det", "pobj", "punct"],
    ["DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "CCONJ", "VERB", "ADP", "PRON", "ADP", "DET", "NOUN", "PUNCT"],
    ["DT", "NN", "VBD", "IN", "DT", "NN", "CC", "VBD", "IN", "PRP", "IN", "DT", "NN", "."],
)
SERVED = (
    "She served as the head of the club and was thanked by the board .".split(),
    [1, 1, 1, 4, 2, 4, 7, 5, 1, 10, 1, 10, 13, 11, 1],
    [
        "nsubj",
        "ROOT",
        "prep",
        "det",
        "pobj",
        "prep",
        "det",
        "pobj",
        "cc",
        "auxpass",
        "conj",
        "agent",
        "det",
        "pobj",
        "punct",
    ],
    ["PRON", "VERB", "ADP", "DET", "NOUN", "ADP", "DET", "NOUN", "CCONJ", "AUX", "VERB", "ADP", "DET", "NOUN", "PUNCT"],
    ["PRP", "VBD", "IN", "DT", "NN", "IN", "DT", "NN", "CC", "VBD", "VBN", "IN", "DT", "NN", "."],
)


def parsed(words, heads, deps, pos, tags) -> Doc:
    return Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, pos=pos, tags=tags)


def test_objects_are_kept_apart_from_their_verbs_subject():
    doc = parsed(*TOLD)
    # "the doctor" (principle C) and "him" (principle B, through the coordinated verb) are not "The secretary";
    # the reflexive inside the prepositional phrase is no object of the verb
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("doctor", "secretary"), ("him", "secretary")]


def test_a_relative_pronoun_subject_binds_nothing():
    doc = parsed(*RELATIVE)
    # "who" stands for "the man", outside its clause: only "She saw the man" keeps a pair
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("man", "She")]


def test_universal_dependencies_labels_work_too():
    words, heads, deps, pos, tags = TOLD
    ud = {"dobj": "obj", "ROOT": "root"}
    doc = parsed(words, heads, [ud.get(d, d) for d in deps], pos, tags)
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("doctor", "secretary"), ("him", "secretary")]
    words, heads, deps, pos, _ = RELATIVE
    doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=[ud.get(d, d) for d in deps], pos=pos)
    doc[4].set_morph("PronType=Rel")
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("man", "She")]


def test_nouns_after_a_preposition_on_the_verb_are_kept_apart_too():
    # principle C: "the designer" is not "The developer"; a pronoun after a preposition may be the subject
    # ("near her"), and "like" compares ("like a child")
    doc = parsed(*ARGUED)
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("designer", "developer")]
    # "as" describes the subject ("served as the head"); a noun's prepositional object ("of the club") is not the
    # verb's; a passive's agent is ("thanked by the board": the board is not She)
    doc = parsed(*SERVED)
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("board", "She")]


def test_universal_dependencies_oblique_nouns():
    # UD hangs the noun on the verb (obl) and the preposition on the noun (case)
    words = "The developer argued with the designer and sat near her like a child .".split()
    heads = [1, 2, 2, 5, 5, 2, 7, 2, 9, 7, 12, 12, 7, 2]
    deps = ["det", "nsubj", "root", "case", "det", "obl", "cc", "conj", "case", "obl", "case", "det", "obl", "punct"]
    doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, pos=ARGUED[3])
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("designer", "developer")]
    # a passive's agent: "The man was bitten by the dog"
    words = "The man was bitten by the dog .".split()
    deps = ["det", "nsubj:pass", "aux:pass", "root", "case", "det", "obl:agent", "punct"]
    pos = ["DET", "NOUN", "AUX", "VERB", "ADP", "DET", "NOUN", "PUNCT"]
    doc = Doc(spacy.blank("en").vocab, words=words, heads=[1, 3, 3, 3, 6, 6, 3, 3], deps=deps, pos=pos)
    assert [(doc[o].text, doc[s].text) for o, s in bound_pairs(doc)] == [("dog", "man")]


def test_no_parse_no_pairs():
    assert bound_pairs(spacy.blank("en")("The secretary called the doctor and told him.")) == []


def test_drop_bound_links_rules_out_only_the_subject():
    doc = parsed(*TOLD)
    n = len(doc)
    cands = numpy.full((n, 2), -1, dtype="int64")
    scores = numpy.full((n, 2), -numpy.inf, dtype="float32")
    cands[7], scores[7] = [1, 4], [3.0, 1.0]  # "him": the secretary first, then the doctor
    out = drop_bound_links(doc, cands, scores)
    assert out[7].tolist() == [-numpy.inf, 1.0]
    assert scores[7].tolist() == [3.0, 1.0]  # the model's own scores are kept (coref_scores reads them)


def test_binding_setting_is_checked():
    for bad in ("yes", 2):  # spaCy's config validation or ours (E067) names the setting
        with pytest.raises(ValueError, match="binding"):
            spacy.blank("en").add_pipe("coref", config={"binding": bad})


@pytest.mark.parametrize(
    "text,bound,free",
    [
        (
            "The lawyer met the baker and thanked him for the bread.",
            [["the baker", "him"]],
            [["The lawyer", "him"]],
        ),
        (
            "The tenant phoned the landlord and asked him to fix the heater.",
            [["the landlord", "him"]],
            [["The tenant", "the landlord", "him"]],
        ),
        ("The tenant argued with the landlord about the rent.", [], [["The tenant", "the landlord"]]),
        (
            "The lawyer argued with the judge because she wanted a delay.",
            [["The lawyer", "she"]],
            [["The lawyer", "the judge", "she"]],
        ),
    ],
)
def test_shipped_model_with_a_parser_respects_binding(text, bound, free):
    """The packaged coref-en after en_core_web_sm: with binding (default) the object pronoun takes the object;
    without it, or without a parser, the model's own choice (the subject) stands."""
    nlp = load_english()
    nlp.add_pipe("coref")
    assert [[m.text for m in c] for c in nlp(text)._.coref_clusters] == bound
    nlp.get_pipe("coref").cfg["binding"] = False
    assert [[m.text for m in c] for c in nlp(text)._.coref_clusters] == free
    blank = spacy.blank("en")
    blank.add_pipe("coref")
    assert [[m.text for m in c] for c in blank(text)._.coref_clusters] == free
