"""Convert LitBank (CoNLL files + ten-fold split ids) to train/dev/test .spacy files.

    python scripts/convert_litbank.py DATA_DIR OUT_DIR [--fold 0]

DATA_DIR holds `conll/*.conll` and `splits/tenfold/<fold>/{train,dev,test}.ids`
(github dbamman/litbank coref/conll + dbamman/lrec2020-coref splits). Writes
OUT_DIR/litbank_{train,dev,test}.spacy and prints the counts as JSON.
"""

import json
from pathlib import Path

import typer
from wasabi import msg

from spacy_transfer.coref.corpora.convert import convert_coref, read_ids

SPLITS = ("train", "dev", "test")


def main(
    data_dir: Path = typer.Argument(..., help="LitBank data directory", exists=True, file_okay=False),
    out_dir: Path = typer.Argument(..., help="Output directory"),
    fold: int = typer.Option(0, "--fold", help="Which of the ten folds (0-9)"),
) -> None:
    stats = {}
    for split in SPLITS:
        ids = read_ids(data_dir / "splits" / "tenfold" / str(fold) / f"{split}.ids")
        out = out_dir / f"litbank_{split}.spacy"
        try:
            stats[split] = convert_coref(data_dir / "conll", out, file_format="conll", ids=ids)[str(out)]
        except ValueError as err:
            msg.fail(str(err), exits=1)
        msg.good(f"{out}: {stats[split]}")
    print(json.dumps({"fold": fold, **stats}))


if __name__ == "__main__":
    typer.run(main)
