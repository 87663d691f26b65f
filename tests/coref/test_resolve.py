"""Resolved text: the rule table of docs/coref.md#resolved-text, on clusters set by hand."""

import re

import pytest
import spacy
from spacy.tokens import Doc

import spacy_transfer.coref  # noqa: F401  (registers doc._.coref_*)
from spacy_transfer.coref import resolve_text

from ..conftest import load_english

ELON = (
    "Elon Musk founded SpaceX in 2002. His company launched its first rocket in 2006, "
    "and he said it was a dream come true."
)
ALICE = "Alice gave Bob her book because he had lost his."


def with_clusters(doc: Doc, clusters) -> Doc:
    """Set clusters given as mention strings, each (text, occurrence) or text (first)."""
    for n, cluster in enumerate(clusters, start=1):
        spans = []
        for mention in cluster:
            text, occurrence = mention if isinstance(mention, tuple) else (mention, 0)
            found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(text)}(?!\w)", doc.text)]
            start = found[occurrence]
            span = doc.char_span(start, start + len(text))
            assert span is not None, f"{text!r} is not a token span"
            spans.append(span)
        doc.spans[f"coref_clusters_{n}"] = spans
    return doc


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


@pytest.fixture(scope="module")
def english():
    return load_english()


EXAMPLES = [
    # (text, clusters, resolved)
    (
        ELON,
        [["Elon Musk", "His", "he"], ["SpaceX", "its"]],
        "Elon Musk founded SpaceX in 2002. Elon Musk's company launched SpaceX's first rocket "
        "in 2006, and Elon Musk said it was a dream come true.",
    ),
    (
        ALICE,
        [["Alice", "her"], ["Bob", "he", "his"]],
        "Alice gave Bob Alice's book because Bob had lost Bob's.",
    ),
    ("When she arrived, Mary smiled.", [["she", "Mary"]], "When Mary arrived, Mary smiled."),
    (
        "The company hired Anna. She liked it.",
        [["The company", "it"], ["Anna", "She"]],
        "The company hired Anna. Anna liked the company.",
    ),
    (
        "He said he was tired. He left.",
        [["He", "he", ("He", 1)]],
        "He said he was tired. He left.",
    ),
    (
        "I told you that we would win, and I was right.",
        [["I", ("I", 1)], ["you"], ["we"]],
        "I told you that we would win, and I was right.",
    ),
    (
        "Mary hurt herself. She  was\tfine.\n",
        [["Mary", "herself", "She"]],
        "Mary hurt herself. Mary  was\tfine.\n",
    ),
    (
        "A dog barked. Then it ran.",
        [["A dog", "it"]],
        "A dog barked. Then a dog ran.",
    ),
]


@pytest.mark.parametrize("text,clusters,expected", EXAMPLES)
def test_coref_resolved_grammatical_untagged(blank, text, clusters, expected):
    doc = with_clusters(blank(text), clusters)
    assert doc._.coref_resolved == expected


@pytest.mark.parametrize("text,clusters,expected", EXAMPLES)
def test_coref_resolved_grammatical_tagged(english, text, clusters, expected):
    doc = with_clusters(english(text), clusters)
    assert doc._.coref_resolved == expected


WESTONS = "The Westons came. Emma greeted them and their son."


@pytest.mark.parametrize(
    "tagged,expected",
    [
        # Only a tagger knows that "Westons" is plural (NNPS): untagged, every name takes "'s".
        (False, "The Westons came. Emma greeted the Westons and the Westons's son."),
        (True, "The Westons came. Emma greeted the Westons and the Westons' son."),
    ],
)
def test_coref_resolved_plural_possessive_needs_tags(request, tagged, expected):
    nlp = request.getfixturevalue("english" if tagged else "blank")
    doc = with_clusters(nlp(WESTONS), [["The Westons", "them", "their"]])
    assert doc._.coref_resolved == expected


def test_coref_resolved_nested_mentions_replaced_once(blank):
    # "His company" is in SpaceX's cluster and holds "His" of Musk's: only the outer one goes.
    doc = with_clusters(blank(ELON), [["Elon Musk", "His", "he"], ["SpaceX", "His company", "its"]])
    assert doc._.coref_resolved == (
        "Elon Musk founded SpaceX in 2002. SpaceX launched SpaceX's first rocket in 2006, "
        "and Elon Musk said it was a dream come true."
    )


def test_coref_resolved_replacement_resolves_its_own_mentions(blank):
    # The best mention "His company" holds "His": the replacement reads "Elon Musk's company".
    text = "Elon Musk was proud. His company grew, and it hired."
    doc = with_clusters(blank(text), [["Elon Musk", "His"], ["His company", "it"]])
    assert doc._.coref_resolved == ("Elon Musk was proud. Elon Musk's company grew, and Elon Musk's company hired.")


def test_coref_resolved_her_object_or_possessive(blank):
    text = "Anna came. Tom told her that her plan was good."
    doc = with_clusters(blank(text), [["Anna", "her", ("her", 1)]])
    assert doc._.coref_resolved == "Anna came. Tom told Anna that Anna's plan was good."


def test_coref_resolved_cluster_of_pronouns_left_alone(blank):
    doc = with_clusters(blank("She said she would come."), [["She", "she"]])
    assert doc._.coref_resolved == "She said she would come."


def test_coref_resolved_literal_style_is_neuralcoref(blank):
    doc = with_clusters(blank(ALICE), [["Alice", "her"], ["Bob", "he", "his"]])
    clusters = doc._.coref_clusters
    assert resolve_text(doc, clusters, "literal") == "Alice gave Bob Alice book because Bob had lost Bob."
    doc.user_data["neuralcoref"] = {"resolve": "literal"}
    assert doc._.coref_resolved == "Alice gave Bob Alice book because Bob had lost Bob."
    with pytest.raises(ValueError, match="E067"):
        resolve_text(doc, clusters, "fancy")


def test_coref_resolved_without_clusters_is_the_text(blank):
    for text in ["", "   ", "Nothing to see here.\n\n"]:
        doc = blank(text)
        assert doc._.coref_resolved == text
        assert doc._.coref_clusters is None and doc._.has_coref is False


def test_coref_annotate_resolved_from_the_same_code(tmp_path, coref_nlp):
    """`annotate --resolved` writes doc._.coref_resolved, computed by the same function."""
    import json

    from spacy_transfer.annotate import AnnotateSettings, annotate_local
    from spacy_transfer.util import load_pipeline

    from ..annotate.corpus import read_output

    texts = [ALICE, "Nothing to resolve here.", ELON]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    settings = AnnotateSettings(
        pipeline="en_core_web_sm + neuralcoref", input=path, output=tmp_path / "out", resolved=True
    )
    # Its own pipeline: annotate installs error handlers that the shared fixture must not get.
    nlp, _ = load_pipeline("en_core_web_sm + neuralcoref")
    annotate_local(settings, nlp=nlp, show_progress=False)
    results, errors = read_output(tmp_path / "out")
    assert errors == []
    assert [r["resolved"] for r in results] == [coref_nlp(t)._.coref_resolved for t in texts]
    assert results[1]["resolved"] == texts[1]
    assert "resolved" not in AnnotateSettings(pipeline="x", input=path, output=tmp_path).output_settings()
