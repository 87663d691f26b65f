"""GAP reading, decisions from predicted clusters and the GAP metric."""

import pytest
import spacy

from spacy_transfer.coref.scoring.gap import GAP_COLUMNS, predict_gap, read_gap, score_gap

from ..helpers import dataset

TEXT = "Lena Berg met Tom Hale in Oslo. Later she thanked him for his help."
# (pronoun, name A, A-coref, name B, B-coref)
ROWS = [
    ("ex-1", TEXT, "she", "Lena Berg", "TRUE", "Tom Hale", "FALSE"),
    ("ex-2", TEXT, "him", "Lena Berg", "FALSE", "Tom Hale", "TRUE"),
    ("ex-3", TEXT, "his", "Lena Berg", "FALSE", "Tom Hale", "FALSE"),
]


def _tsv(rows):
    lines = ["\t".join(GAP_COLUMNS)]
    for id_, text, pron, a, a_coref, b, b_coref in rows:
        offsets = [text.index(" " + pron + " ") + 1, text.index(a), text.index(b)]
        lines.append(
            "\t".join(
                [
                    id_,
                    text,
                    pron,
                    str(offsets[0]),
                    a,
                    str(offsets[1]),
                    a_coref,
                    b,
                    str(offsets[2]),
                    b_coref,
                    "http://example.org",
                ]
            )
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def gap_path(tmp_path):
    path = tmp_path / "gap.tsv"
    path.write_text(_tsv(ROWS), encoding="utf8")
    return path


def test_gap_read(gap_path):
    examples = read_gap(gap_path)
    assert [e.id for e in examples] == ["ex-1", "ex-2", "ex-3"]
    assert examples[0].pronoun_offset == TEXT.index("she")
    assert (examples[0].a_coref, examples[0].b_coref) == (True, False)
    assert [e.gender for e in examples] == ["F", "M", "M"]


@pytest.mark.parametrize(
    "edit,code,line",
    [
        (lambda t: t.replace("\tFALSE\thttp", "\tNO\thttp", 1), "E068", 2),
        (lambda t: t.replace("\thttp://example.org", "", 1), "E068", 2),
        (lambda t: t.replace("ID\tText", "Id\tText"), "E068", 1),
        (lambda t: t.replace("\tshe\t38\t", "\tshe\t37\t"), "E069", 2),
        (lambda t: t.replace("\tshe\t38\t", "\tshe\tx\t"), "E068", 2),
        (lambda t: t.replace("\tshe\t38\t", "\tit\t38\t"), "E068", 2),
    ],
)
def test_gap_read_errors(gap_path, edit, code, line):
    text = gap_path.read_text(encoding="utf8")
    assert "\tshe\t38\t" in text
    gap_path.write_text(edit(text), encoding="utf8")
    with pytest.raises(ValueError, match=rf"{code}.*gap\.tsv:{line}"):
        read_gap(gap_path)


def _doc(nlp, clusters):
    doc = nlp(TEXT)
    for i, cluster in enumerate(clusters, start=1):
        doc.spans[f"coref_clusters_{i}"] = [doc.char_span(TEXT.index(m), TEXT.index(m) + len(m)) for m in cluster]
    return doc


def test_gap_predict_and_score(gap_path):
    nlp = spacy.blank("en")
    examples = read_gap(gap_path)
    # "Berg" is inside the name A; "his help" overlaps nothing and "him" is a pronoun.
    doc = _doc(nlp, [["Berg", "she"], ["Tom Hale", "him", "his"]])
    preds = [predict_gap(e, doc) for e in examples]
    assert preds == [(True, False), (False, True), (False, True)]
    scores = score_gap(examples, preds)
    # decisions: 2 TP (ex-1 A, ex-2 B), 1 FP (ex-3 B), no FN
    assert scores["gap_p"] == pytest.approx(2 / 3) and scores["gap_r"] == pytest.approx(1.0)
    assert scores["gap_f_feminine"] == pytest.approx(1.0)
    assert scores["gap_f_masculine"] == pytest.approx(2 * 0.5 / 1.5)
    assert scores["gap_bias"] == pytest.approx(1.0 / (2 * 0.5 / 1.5))
    # A mention that runs past the name ("Tom Hale in Oslo") is not the name.
    doc = _doc(nlp, [["Tom Hale in Oslo", "him"]])
    assert predict_gap(examples[1], doc) == (False, False)
    # No cluster holds the pronoun: no link.
    assert predict_gap(examples[0], _doc(nlp, [["Lena Berg", "Tom Hale"]])) == (
        False,
        False,
    )


def test_gap_errors(gap_path):
    nlp = spacy.blank("en")
    example, *_ = read_gap(gap_path)
    with pytest.raises(ValueError, match="E071"):
        predict_gap(example, nlp(TEXT + " "))
    with pytest.raises(ValueError, match="E070"):
        score_gap([example], [])
    with pytest.raises(ValueError, match="E050"):
        read_gap(gap_path.parent / "missing.tsv")


def test_gap_real_data():
    examples = read_gap(dataset("gap", "gap-test.tsv"))
    assert len(examples) == 2000
    assert sum(e.gender == "F" for e in examples) == 1000
    assert (sum(e.a_coref for e in examples), sum(e.b_coref for e in examples)) == (
        918,
        855,
    )
    assert score_gap(examples, [(e.a_coref, e.b_coref) for e in examples])["gap_f"] == 1.0
