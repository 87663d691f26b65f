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
    from spacy_transfer.coref.convert import convert_coref

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
    words = ["The", "King", "saw", "her", "and", "gave", "her", "book", "to", "his", "uncle", "."]
    doc = Doc(nlp.vocab, words=words, sent_starts=[True] + [False] * 11)
    doc.spans["coref_clusters_1"] = [doc[0:2], doc[9:10]]
    doc.spans["coref_heads_1"] = [doc[1:2], doc[9:10]]
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "in.spacy")
    _run("gender_swap", [tmp_path / "in.spacy", tmp_path / "wino", tmp_path / "out.spacy"])
    original, swapped = DocBin().from_disk(tmp_path / "out.spacy").get_docs(nlp.vocab)
    assert [t.text for t in original] == words
    # "her" follows the tagger: object -> him, possessive -> his; pairs also work backwards (aunt <-> uncle)
    assert swapped.text == "The Queen saw him and gave his book to her aunt . "  # Doc(words=...) spaces
    assert [s.text for s in swapped.spans["coref_clusters_1"]] == ["The Queen", "her"]
    assert [s.text for s in swapped.spans["coref_heads_1"]] == ["Queen", "her"]
    assert [t.is_sent_start for t in swapped] == [t.is_sent_start for t in original]


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
        assert winobias.evaluate_file(nlp, path, context)["correct"] == 1
    # a doctor-she pipeline is wrong with or without the context sentence
    nlp.remove_pipe("test_nurse_she_coref")
    nlp.add_pipe("test_first_name_pronoun_coref")
    assert winobias.evaluate_file(nlp, path, "")["correct"] == 0
