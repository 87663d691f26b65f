"""Convert GUM coreference (JSON lines, GUM or OntoGUM scheme) to .spacy files.

    python scripts/convert_gum.py DATA_DIR OUT_DIR [--scheme gum] [--splits train,dev,test]

DATA_DIR holds `jsonl/{gum,ontogum}_{train,dev,test}.jsonl`. Writes
OUT_DIR/{scheme}_{split}.spacy. OntoGUM has a few spans annotated in two clusters;
they raise an error unless --on-duplicate first keeps each in its first cluster.
"""

import json
from pathlib import Path

import typer
from wasabi import msg

from spacy_transfer.coref.corpora.convert import convert_coref


def main(
    data_dir: Path = typer.Argument(..., help="GUM coref data directory", exists=True, file_okay=False),
    out_dir: Path = typer.Argument(..., help="Output directory"),
    scheme: str = typer.Option("gum", "--scheme", help="gum (singletons kept) or ontogum"),
    splits: str = typer.Option("train,dev,test", "--splits", help="Comma-separated splits"),
    on_duplicate: str = typer.Option("error", "--on-duplicate", help="error or first"),
) -> None:
    stats = {}
    for split in splits.split(","):
        out = out_dir / f"{scheme}_{split}.spacy"
        source = data_dir / "jsonl" / f"{scheme}_{split}.jsonl"
        try:
            stats[split] = convert_coref(source, out, file_format="jsonl", on_duplicate=on_duplicate)[str(out)]
        except ValueError as err:
            msg.fail(str(err), exits=1)
        msg.good(f"{out}: {stats[split]}")
    print(json.dumps({"scheme": scheme, **stats}))


if __name__ == "__main__":
    typer.run(main)
