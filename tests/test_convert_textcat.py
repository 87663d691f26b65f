"""`convert-textcat`: a text classification CSV becomes .spacy files with one-hot doc.cats over all labels."""

import csv

import spacy
import typer
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_transfer.training.commands import register

ROWS = [("Where is my card?", "card_arrival"), ('Fees, "again"?', "fees"), ("Card not here yet", "card_arrival")]


def _read(path):
    nlp = spacy.blank("en")
    return [(doc.text, doc.cats) for doc in DocBin().from_disk(path).get_docs(nlp.vocab)]


def test_convert_textcat_writes_train_and_dev(tmp_path):
    source = tmp_path / "train.csv"
    with source.open("w", encoding="utf8", newline="") as file_:
        writer = csv.writer(file_)
        writer.writerow(["text", "category"])
        writer.writerows(ROWS)
    app = typer.Typer()
    register(app)
    app.command(name="unused")(lambda: None)  # with one command typer would drop the command name
    result = CliRunner().invoke(app, ["convert-textcat", str(source), str(tmp_path / "out"), "--dev-fraction", "0.34"])
    assert result.exit_code == 0, result.output
    train, dev = _read(tmp_path / "out" / "train.spacy"), _read(tmp_path / "out" / "dev.spacy")
    assert (len(train), len(dev)) == (2, 1)
    assert sorted(text for text, _ in train + dev) == sorted(text for text, _ in ROWS)
    labels = dict(ROWS)
    for text, cats in train + dev:
        assert cats == {"card_arrival": float(labels[text] == "card_arrival"), "fees": float(labels[text] == "fees")}
