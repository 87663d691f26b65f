"""CLI: `python -m spacy_transfer convert-coref IN OUT`."""

from pathlib import Path
from typing import Optional

import typer
from wasabi import msg

from .coref_docs import DEFAULT_CLUSTER_PREFIX


def convert_coref_cli(
    input_path: Path = typer.Argument(
        ..., help="CoNLL or JSON lines file, or a directory of them"
    ),
    output_path: Path = typer.Argument(
        ...,
        help="A .spacy file for all documents, or a directory for one .spacy per input file",
    ),
    file_format: str = typer.Option(
        "auto", "--format", "-f", help="conll, jsonl or auto (by file name)"
    ),
    n_sents: int = typer.Option(
        0, "--n-sents", "-n", help="Sentences per output doc; 0 keeps whole documents"
    ),
    ids: Optional[Path] = typer.Option(
        None,
        "--ids",
        help="File of document ids (one per line) to keep, e.g. a LitBank split",
    ),
    on_duplicate: str = typer.Option(
        "error",
        "--on-duplicate",
        help="A span in two clusters: 'error' or keep it in the 'first'",
    ),
    span_prefix: str = typer.Option(
        DEFAULT_CLUSTER_PREFIX, "--span-prefix", help="Span group prefix"
    ),
) -> None:
    """Convert CoNLL-2012 or e2e-coref JSON lines coreference data to .spacy
    DocBin files with gold clusters in doc.spans["coref_clusters_N"]."""
    from .coref_convert import convert_coref, read_ids

    id_list = read_ids(ids) if ids is not None else None
    try:
        stats = convert_coref(
            input_path,
            output_path,
            file_format=file_format,
            n_sents=n_sents,
            ids=id_list,
            on_duplicate=on_duplicate,
            span_prefix=span_prefix,
        )
    except ValueError as err:
        msg.fail(str(err), exits=1)
    for target, counts in stats.items():
        msg.good(
            f"Wrote {target}: {counts['docs']} docs, {counts['tokens']} tokens, "
            f"{counts['mentions']} mentions, {counts['clusters']} clusters "
            f"({counts['clusters_2plus']} with 2+ mentions)"
        )


def register(app: typer.Typer) -> None:
    """Add the coref data commands to the spacy_transfer CLI."""
    app.command(name="convert-coref")(convert_coref_cli)
