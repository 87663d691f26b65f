"""CLI: `python -m spacy_transfer convert-textcat CSV OUT_DIR` (text classification CSV -> .spacy).

The output trains spaCy's own textcat on top of any of our encoders (transformer_encoder, fasttext_vectors, ...),
so the converter belongs to no component.
"""

import csv
import random
from pathlib import Path
from typing import Dict, List, Tuple

import typer
from wasabi import msg


def read_labelled_csv(path: Path, text_col: str, label_col: str) -> List[Tuple[str, str]]:
    """Rows (text, label) of a CSV file with a header (RFC-4180 quoting)."""
    with Path(path).open(encoding="utf8", newline="") as file_:
        reader = csv.DictReader(file_)
        missing = [c for c in (text_col, label_col) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} has no column(s) {missing}; columns: {reader.fieldnames}")
        return [(row[text_col], row[label_col]) for row in reader]


def rows_to_docbin(rows: List[Tuple[str, str]], labels: List[str]):
    """A DocBin of blank-English docs with one-hot doc.cats over all labels."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    db = DocBin()
    for doc, (_, label) in zip(nlp.pipe(text for text, _ in rows), rows):
        doc.cats = {name: float(name == label) for name in labels}
        db.add(doc)
    return db


def convert_textcat_cli(
    input_path: Path = typer.Argument(..., help="CSV file with a header, e.g. banking77/train.csv"),
    output_dir: Path = typer.Argument(..., help="Folder for <name>.spacy files"),
    name: str = typer.Option("train", "--name", help="Output file stem"),
    dev_fraction: float = typer.Option(0.0, "--dev-fraction", help="Share of rows split off into dev.spacy"),
    seed: int = typer.Option(0, "--seed", help="Seed of the dev split"),
    text_col: str = typer.Option("text", "--text-col"),
    label_col: str = typer.Option("category", "--label-col"),
) -> None:
    """Convert a single-label text classification CSV into .spacy files with doc.cats."""
    rows = read_labelled_csv(input_path, text_col, label_col)
    labels = sorted({label for _, label in rows})
    splits: Dict[str, List[Tuple[str, str]]] = {name: rows}
    if dev_fraction > 0:
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        n_dev = int(round(len(shuffled) * dev_fraction))
        splits = {name: shuffled[n_dev:], "dev": shuffled[:n_dev]}
    output_dir.mkdir(parents=True, exist_ok=True)
    for split, split_rows in splits.items():
        rows_to_docbin(split_rows, labels).to_disk(output_dir / f"{split}.spacy")
        msg.good(f"Wrote {output_dir / f'{split}.spacy'}: {len(split_rows)} docs, {len(labels)} labels")


def register(app: typer.Typer) -> None:
    """Add the data conversion commands that serve several components to the spacy_transfer CLI."""
    app.command(name="convert-textcat")(convert_textcat_cli)
