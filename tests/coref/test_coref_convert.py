"""CoNLL / JSON lines -> .spacy conversion: round trips and coded errors."""

import json

import pytest
import typer
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from typer.testing import CliRunner

from spacy_transfer.coref.clusters import doc_clusters
from spacy_transfer.coref.corpora.commands import register
from spacy_transfer.coref.corpora.conll import read_conll
from spacy_transfer.coref.corpora.convert import convert_coref, read_records
from spacy_transfer.coref.corpora.jsonl import read_jsonl
from spacy_transfer.coref.corpora.records import DOC_KEY, PART_KEY, SPEAKERS_KEY, count_mentions

from ..helpers import dataset

# Two parts, 12 columns (speaker in column 10): markers joined by "|", a mention
# nested in another of a different entity, and sentence breaks.
ROW = "story\t{part}\t{i}\t{word}\tX\t_\t_\t_\t_\t{speaker}\t*\t{coref}"
PART0 = [
    ("Anna", "spk1", "(0"), ("Smith", "spk1", "0)"), ("met", "spk1", "-"),
    ("her", "spk1", "(1|(0)"), ("brother", "spk1", "1)"), (".", "spk1", "-"), None,
    ("She", "spk2", "(0)"), ("thanked", "spk2", "-"), ("him", "spk2", "(1)"), (".", "spk2", "-"),
]  # fmt: skip
PART1 = [
    ("The", "spk1", "(2"), ("house", "spk1", "2)"), ("stood", "spk1", "_"), (".", "spk1", "_"), None,
    ("It", "spk1", "(2)"), ("fell", "spk1", "_"), (".", "spk1", ""),
]  # fmt: skip
PART0_CLUSTERS = [[(0, 1), (3, 3), (6, 6)], [(3, 4), (8, 8)]]
PART0_SENTENCES = [
    ["Anna", "Smith", "met", "her", "brother", "."],
    ["She", "thanked", "him", "."],
]


def _part(rows, part):
    lines = [f"#begin document (story); part {part:03d}"]
    i = 0
    for row in rows:
        if row is None:
            lines.append("")
            i = 0
            continue
        lines.append(ROW.format(part=part, i=i, word=row[0], speaker=row[1], coref=row[2]))
        i += 1
    return lines + ["", "#end document"]


CONLL = "\n".join(_part(PART0, 0) + _part(PART1, 1)) + "\n"
JSONL_RECORD = {
    "doc_key": "story",
    "sentences": PART0_SENTENCES,
    "clusters": [[list(m) for m in c] for c in PART0_CLUSTERS],
    "speakers": [["spk1"] * 6, ["spk2"] * 4],
    "genre": "ignored",
}
# 5 columns: a nested mention of the same entity, back-to-back markers, a crossing
# mention of another entity, and a trailing TAB as in the reference test files.
CONLL_NESTED = (
    "#begin document (x); \n" "x\t0\t0\ta\t(1(1\nx\t0\t1\tb\t(2\nx\t0\t2\tc\t1)\t\nx\t0\t3\td\t2)1)\n" "#end document\n"
)


@pytest.fixture
def conll_path(tmp_path):
    path = tmp_path / "story.conll"
    path.write_text(CONLL, encoding="utf8")
    return path


@pytest.fixture
def jsonl_path(tmp_path):
    path = tmp_path / "story.jsonl"
    path.write_text(json.dumps(JSONL_RECORD) + "\n\n", encoding="utf8")
    return path


def test_coref_conll_read(conll_path):
    records = list(read_conll(conll_path))
    assert [(r.doc_key, r.part) for r in records] == [("story", 0), ("story", 1)]
    assert records[0].sentences == PART0_SENTENCES
    assert records[0].clusters == PART0_CLUSTERS
    assert records[0].speakers == [["spk1"] * 6, ["spk2"] * 4]
    assert records[1].clusters == [[(0, 1), (4, 4)]]
    assert records[1].line == 15


def test_coref_conll_nested_and_crossing(tmp_path):
    path = tmp_path / "nested.conll"
    path.write_text(CONLL_NESTED, encoding="utf8")
    (record,) = read_conll(path)
    assert record.doc_key == "x" and record.speakers is None
    # "1)" closes the most recent "(1"; entity 2 (1, 3) crosses (0, 2) of entity 1.
    assert record.clusters == [[(0, 2), (0, 3)], [(1, 3)]]


def test_coref_jsonl_matches_conll(conll_path, jsonl_path):
    (from_json,) = read_jsonl(jsonl_path)
    from_conll = next(read_conll(conll_path))
    assert from_json.sentences == from_conll.sentences
    assert from_json.clusters == from_conll.clusters
    assert from_json.speakers == from_conll.speakers


@pytest.mark.parametrize("fixture", ["conll_path", "jsonl_path"])
def test_coref_convert_round_trip(fixture, request, tmp_path):
    source = request.getfixturevalue(fixture)
    out = tmp_path / "out.spacy"
    stats = convert_coref(source, out)
    docs = list(DocBin().from_disk(out).get_docs(Vocab()))
    n_docs = 2 if fixture == "conll_path" else 1
    assert stats[str(out)] == count_mentions(docs) and len(docs) == n_docs
    doc = docs[0]
    assert [t.text for t in doc] == [w for s in PART0_SENTENCES for w in s]
    assert [s.text for s in doc.sents] == [
        "Anna Smith met her brother .",
        "She thanked him .",
    ]
    assert [t.is_sent_start for t in doc] == [True] + [False] * 5 + [True] + [False] * 3
    assert sorted(doc.spans) == ["coref_clusters_1", "coref_clusters_2"]
    assert [s.text for s in doc.spans["coref_clusters_1"]] == [
        "Anna Smith",
        "her",
        "She",
    ]
    assert doc_clusters(doc) == PART0_CLUSTERS
    assert doc.user_data[DOC_KEY] == "story" and doc.user_data[PART_KEY] == 0
    # msgpack gives sequences back as tuples
    assert list(doc.user_data[SPEAKERS_KEY]) == ["spk1"] * 6 + ["spk2"] * 4


def test_coref_convert_options(conll_path, tmp_path):
    out = tmp_path / "chunks.spacy"
    convert_coref(conll_path, out, n_sents=1, span_prefix="gold")
    docs = list(DocBin().from_disk(out).get_docs(Vocab()))
    assert [len(d) for d in docs] == [6, 4, 4, 3]
    assert doc_clusters(docs[1], "gold") == [[(0, 0)], [(2, 2)]]
    assert docs[1].user_data[DOC_KEY] == "story#1"
    # A directory output gets one file per input file.
    stats = convert_coref(conll_path.parent, tmp_path / "outdir")
    assert list(stats) == [str(tmp_path / "outdir" / "story.spacy")]


def test_coref_convert_ids(conll_path, tmp_path):
    stats = convert_coref(conll_path, tmp_path / "a.spacy", ids=["story"])
    assert stats[str(tmp_path / "a.spacy")]["docs"] == 2
    with pytest.raises(ValueError, match=r"E064.*'missing_doc'"):
        convert_coref(conll_path, tmp_path / "b.spacy", ids=["story", "missing_doc"])


def test_coref_convert_chunk_boundary(tmp_path):
    record = dict(JSONL_RECORD, clusters=[[[4, 6]]])
    path = tmp_path / "cross.jsonl"
    path.write_text(json.dumps(record), encoding="utf8")
    with pytest.raises(ValueError, match="E063"):
        convert_coref(path, tmp_path / "out.spacy", n_sents=1)


def test_coref_convert_duplicates(tmp_path):
    record = dict(JSONL_RECORD, clusters=[[[0, 1], [3, 3]], [[3, 3], [6, 6]]])
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps(record), encoding="utf8")
    with pytest.raises(ValueError, match=r"E062.*dup.jsonl:1.*\[3, 3\]"):
        convert_coref(path, tmp_path / "out.spacy")
    convert_coref(path, tmp_path / "out.spacy", on_duplicate="first")
    (doc,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(Vocab())
    assert doc_clusters(doc) == [[(0, 1), (3, 3)], [(6, 6)]]


def _conll(*token_lines, header="#begin document (d); part 000", end="#end document"):
    return "\n".join([header, *token_lines, end]) + "\n"


# (file text, error code, line number in the message)
BAD_CONLL = [
    (_conll("d\t0\t0\tA\t(1", "d\t0\t1\tB\t2)"), "E054", 3),
    (_conll("d\t0\t0\tA\t(1", "d\t0\t1\tB\t-"), "E055", 4),
    (_conll("d\t0\t0\tA\t(1)", "d\t0\t1\tB\tx\t-"), "E052", 3),
    (_conll("d\t0\t0\tA\t(1)", "d\t0\t1\tB"), "E052", 3),
    (_conll("d\t0\t0\tA\t(1)x"), "E053", 2),
    (_conll("d\t0\t0\tA\t((1"), "E053", 2),
    (_conll("d\t0\t0\t\t(1)"), "E057", 2),
    (_conll("d\t0\t0\tA\t(1)", end=""), "E056", 3),
    (_conll("d\t0\t0\tA\t(1)", header=""), "E056", 2),
    ("d\t0\t0\tA\t(1)\n" + _conll("d\t0\t0\tA\t-"), "E056", 1),
    (_conll("d\t0\t0\tA\t-", "#begin document (e); part 000"), "E056", 3),
    (_conll(), "E065", 1),
    (_conll("d\t0\t0\tA"), "E056", 2),
]


@pytest.mark.parametrize("text,code,line", BAD_CONLL)
def test_coref_conll_errors(tmp_path, text, code, line):
    path = tmp_path / "bad.conll"
    path.write_text(text, encoding="utf8")
    with pytest.raises(ValueError, match=rf"\[spacy_transfer\.{code}\] .*bad\.conll:{line}\b"):
        list(read_conll(path))


GOOD = {
    "doc_key": "d",
    "sentences": [["A", "b"], ["C"]],
    "clusters": [[[0, 0], [2, 2]]],
}
BAD_JSONL = [
    ("{not json", "E058"),
    ("[1, 2]", "E058"),
    (json.dumps(dict(GOOD, doc_key=3)), "E059"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "sentences"}), "E059"),
    (json.dumps(dict(GOOD, sentences=[["A", ""]])), "E059"),
    (json.dumps(dict(GOOD, sentences=[[]])), "E065"),
    (json.dumps(dict(GOOD, clusters={"a": 1})), "E059"),
    (json.dumps(dict(GOOD, clusters=[[[0, 3]]])), "E060"),
    (json.dumps(dict(GOOD, clusters=[[[2, 1]]])), "E060"),
    (json.dumps(dict(GOOD, clusters=[[[-1, 0]]])), "E060"),
    (json.dumps(dict(GOOD, clusters=[[[0, 1, 2]]])), "E060"),
    (json.dumps(dict(GOOD, clusters=[[["0", 1]]])), "E060"),
    (json.dumps(dict(GOOD, speakers=[["s", "s"]])), "E061"),
    (json.dumps(dict(GOOD, speakers=[["s", "s"], ["s", "s"]])), "E061"),
]


@pytest.mark.parametrize("bad,code", BAD_JSONL)
def test_coref_jsonl_errors(tmp_path, bad, code):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + bad + "\n", encoding="utf8")
    with pytest.raises(ValueError, match=rf"\[spacy_transfer\.{code}\] .*bad\.jsonl:3\b"):
        list(read_jsonl(path))


def test_coref_convert_format_errors(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text(CONLL, encoding="utf8")
    with pytest.raises(ValueError, match="E051"):
        list(read_records(path))
    assert len(list(read_records(path, "conll"))) == 2
    with pytest.raises(ValueError, match="E050"):
        convert_coref(tmp_path / "nope.conll", tmp_path / "out.spacy")
    with pytest.raises(ValueError, match="E067"):
        convert_coref(path, tmp_path / "out.spacy", file_format="xml")
    with pytest.raises(ValueError, match="E067"):
        convert_coref(path, tmp_path / "out.spacy", file_format="conll", n_sents=-1)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf8")
    with pytest.raises(ValueError, match="E072"):
        convert_coref(empty, tmp_path / "out.spacy")


def test_coref_convert_cli(conll_path, tmp_path):
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a one-command Typer app would drop the name
    runner = CliRunner()
    out = tmp_path / "cli.spacy"
    result = runner.invoke(app, ["convert-coref", str(conll_path), str(out), "--format", "conll"])
    assert result.exit_code == 0, result.output
    assert "2 docs" in result.output and "7 mentions" in result.output
    assert len(DocBin().from_disk(out)) == 2
    bad = tmp_path / "bad.conll"
    bad.write_text(_conll("d\t0\t0\tA\t(1"), encoding="utf8")
    result = runner.invoke(app, ["convert-coref", str(bad), str(out)])
    assert result.exit_code == 1 and "E055" in result.output


def test_coref_convert_litbank_and_gum(datasets, tmp_path):
    """Fold-0 LitBank from CoNLL + split ids equals the JSON lines copy, with the
    counts of the dataset README; GUM test converts from JSON lines."""
    litbank = dataset("litbank")
    ids = (litbank / "splits" / "tenfold" / "0" / "test.ids").read_text().split()
    stats = convert_coref(litbank / "conll", tmp_path / "test.spacy", ids=ids)
    assert stats[str(tmp_path / "test.spacy")] == {
        "docs": 10, "tokens": 20638, "mentions": 2832, "clusters": 807, "clusters_2plus": 242,
    }  # fmt: skip
    from_conll = list(DocBin().from_disk(tmp_path / "test.spacy").get_docs(Vocab()))
    from_json = {r.doc_key: r for r in read_jsonl(litbank / "jsonl" / "fold0_test.jsonl")}
    for doc in from_conll:
        record = from_json[doc.user_data[DOC_KEY]]
        assert [t.text for t in doc] == [w for s in record.sentences for w in s]
        assert len(list(doc.sents)) == len(record.sentences)
        assert sorted(doc_clusters(doc)) == sorted(record.clusters)
    gum = datasets / "gum_coref" / "jsonl" / "gum_test.jsonl"
    if gum.exists():
        stats = convert_coref(gum, tmp_path / "gum.spacy")
        assert stats[str(tmp_path / "gum.spacy")]["mentions"] == 3142
