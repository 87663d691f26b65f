"""The registered corpus reader and scorer, used the way spaCy's config uses them."""

import json

import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from thinc.api import Config

from spacy_transfer.coref.clusters import doc_clusters
from spacy_transfer.coref.corpora.convert import convert_coref
from spacy_transfer.coref.corpora.records import DOC_KEY
from spacy_transfer.coref.scoring.scorer import doc_mention_clusters

RECORDS = [
    {
        "doc_key": "a",
        "sentences": [
            ["Mary", "lost", "her", "keys", "."],
            ["She", "found", "them", "."],
        ],
        "clusters": [[[0, 0], [2, 2], [5, 5]], [[2, 3], [7, 7]], [[1, 1]]],
    },
    {"doc_key": "b", "sentences": [["It", "rains", "."]], "clusters": [[[0, 0]]]},
]

CORPORA_CFG = """
[paths]
train = null

[corpora]

[corpora.train]
@readers = "spacy_transfer.CorefCorpus.v1"
path = ${paths.train}
limit = 0
"""


@pytest.fixture
def corpus_path(tmp_path):
    source = tmp_path / "gold.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in RECORDS), encoding="utf8")
    out = tmp_path / "corpus" / "gold.spacy"
    convert_coref(source, out)
    return out


def test_coref_reader_from_config(corpus_path):
    config = Config().from_str(CORPORA_CFG, overrides={"paths.train": str(corpus_path.parent)})
    corpora = registry.resolve(config["corpora"])
    nlp = spacy.blank("en")
    examples = list(corpora["train"](nlp))
    assert len(examples) == 2
    eg = examples[0]
    assert [t.text for t in eg.predicted] == [t.text for t in eg.reference]
    assert [t.is_sent_start for t in eg.predicted] == [t.is_sent_start for t in eg.reference]
    assert len(list(eg.predicted.sents)) == 2
    assert list(eg.predicted.spans) == []
    assert eg.predicted.user_data[DOC_KEY] == "a"
    assert doc_clusters(eg.reference) == [
        [(0, 0), (2, 2), (5, 5)],
        [(2, 3), (7, 7)],
        [(1, 1)],
    ]


def test_coref_reader_options(corpus_path):
    reader = registry.readers.get("spacy_transfer.CorefCorpus.v1")
    nlp = spacy.blank("en")
    assert len(list(reader(corpus_path, limit=1)(nlp))) == 1
    eg, _ = list(reader(corpus_path, keep_sent_starts=False)(nlp))
    assert not eg.predicted.has_annotation("SENT_START")
    with pytest.raises(ValueError, match="E066"):
        list(reader(corpus_path.parent / "missing")(nlp))
    with pytest.raises(ValueError, match="E066"):
        list(reader(None)(nlp))


def _with_clusters(doc, clusters, prefix="coref_clusters"):
    for i, cluster in enumerate(clusters, start=1):
        doc.spans[f"{prefix}_{i}"] = [Span(doc, s, e + 1) for s, e in cluster]
    return doc


def test_coref_scorer_registered(corpus_path):
    nlp = spacy.blank("en")
    reader = registry.readers.get("spacy_transfer.CorefCorpus.v1")
    examples = list(reader(corpus_path)(nlp))
    scorer = registry.scorers.get("spacy_transfer.coref_scorer.v1")()
    # Nothing predicted: all zero.
    assert set(scorer(examples).values()) == {0.0}
    # Copy the gold clusters: all one.
    for eg in examples:
        _with_clusters(eg.predicted, doc_clusters(eg.reference))
    scores = scorer(examples)
    assert len(scores) == 26
    assert all(v == pytest.approx(1.0) for v in scores.values())
    # Without the singleton "lost" cluster and the singleton "It" doc, only the
    # with-singletons scores drop.
    examples[0].predicted.spans.pop("coref_clusters_3")
    examples[1].predicted.spans.pop("coref_clusters_1")
    scores = scorer(examples)
    assert scores["coref_conll_f"] < 1.0 and scores["coref_lea_r"] < 1.0
    assert scores["coref_conll_f_nosingletons"] == pytest.approx(1.0)


def test_coref_scorer_prefix_and_tokenization():
    """Gold and predicted docs that differ in tokenization and spacing are matched
    on the text without whitespace; a custom span prefix is honoured."""
    nlp = spacy.blank("en")
    words = ["Ann", "said", "she", "'s", "ok"]
    gold = _with_clusters(
        Doc(nlp.vocab, words=words, spaces=[True, True, False, True, False]),
        [[(0, 0), (2, 2)]],
        prefix="pred",
    )
    assert doc_mention_clusters(gold, "pred") == [[(0, 3), (7, 10)]]
    # Extra whitespace gives a whitespace token: "Ann", " ", "said", "she", "'s", "ok".
    spaced = nlp("Ann  said she's ok")
    assert len(spaced) == 6
    spaced = _with_clusters(spaced, [[(0, 0), (3, 3)]], prefix="pred")
    # One token for "she's": the mention no longer matches "she".
    merged = _with_clusters(
        Doc(nlp.vocab, words=["Ann", "said", "she's", "ok"]),
        [[(0, 0), (2, 2)]],
        prefix="pred",
    )
    scorer = registry.scorers.get("spacy_transfer.coref_scorer.v1")(span_prefix="pred")
    assert scorer([Example(spaced, gold)])["coref_muc_f"] == pytest.approx(1.0)
    assert scorer([Example(merged, gold)])["coref_muc_f"] == 0.0
    # The default prefix finds no clusters in these docs.
    default = registry.scorers.get("spacy_transfer.coref_scorer.v1")()
    assert default([Example(spaced, gold)])["coref_muc_f"] == 0.0


def test_coref_reader_speakers(tmp_path):
    """Speakers reach `token._.speaker` on both docs (neuralcoref's speaker input)."""
    from spacy.tokens import Token

    record = dict(RECORDS[1], speakers=[["Ann", "Ann", "Bob"]])
    source = tmp_path / "spk.jsonl"
    source.write_text(json.dumps(record), encoding="utf8")
    convert_coref(source, tmp_path / "spk.spacy")
    if not Token.has_extension("speaker"):
        Token.set_extension("speaker", default=None)
    (eg,) = registry.readers.get("spacy_transfer.CorefCorpus.v1")(tmp_path / "spk.spacy")(spacy.blank("en"))
    assert [t._.speaker for t in eg.reference] == ["Ann", "Ann", "Bob"]
    assert [t._.speaker for t in eg.predicted] == ["Ann", "Ann", "Bob"]
