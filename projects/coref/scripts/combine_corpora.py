"""Join coreference .spacy files into one training file, marking the docs whose annotation covers only some
entity types.

    python scripts/combine_corpora.py OUT.spacy --full corpus/gum_train_heads.spacy \
        --partial corpus/litbank_train_heads.spacy

--full: every mention is annotated (GUM): a word heading no gold mention is taught "no antecedent".
--partial: only some entity types are (LitBank: people, places, organisations, facilities, vehicles, GPEs). Its
docs get `user_data["coref_partial_types"] = True`, and training then takes targets only from the words that
head gold mentions, so an unannotated object ("the letter ... it") is never taught to be "not coreferent".
"""

from pathlib import Path
from typing import List

import spacy
import typer
from spacy.tokens import DocBin
from wasabi import msg

from spacy_transfer.coref.clusters import PARTIAL_KEY


def main(
    output: Path = typer.Argument(..., help="The combined .spacy file"),
    full: List[Path] = typer.Option([], "--full", exists=True, help="Fully annotated .spacy files"),
    partial: List[Path] = typer.Option([], "--partial", exists=True, help="Files annotating only some types"),
) -> None:
    if not full and not partial:
        msg.fail("Nothing to combine: give --full and/or --partial files", exits=1)
    vocab = spacy.blank("en").vocab
    out = DocBin(store_user_data=True)
    for paths, is_partial in ((full, False), (partial, True)):
        for path in paths:
            docs = list(DocBin().from_disk(path).get_docs(vocab))
            for doc in docs:
                doc.user_data[PARTIAL_KEY] = is_partial
                out.add(doc)
            msg.good(f"{path}: {len(docs)} docs ({'partial' if is_partial else 'full'} annotation)")
    output.parent.mkdir(parents=True, exist_ok=True)
    out.to_disk(output)
    msg.good(f"{len(out)} docs -> {output}")


if __name__ == "__main__":
    typer.run(main)
