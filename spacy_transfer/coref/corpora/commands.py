"""CLI for coref data: `python -m spacy_transfer convert-coref IN OUT` and `coref-heads IN OUT`."""

from pathlib import Path
from typing import Optional

import typer
from wasabi import msg

from ..clusters import DEFAULT_CLUSTER_PREFIX


def convert_coref_cli(
    input_path: Path = typer.Argument(..., help="CoNLL or JSON lines file, or a directory of them"),
    output_path: Path = typer.Argument(
        ...,
        help="A .spacy file for all documents, or a directory for one .spacy per input file",
    ),
    file_format: str = typer.Option("auto", "--format", "-f", help="conll, jsonl or auto (by file name)"),
    n_sents: int = typer.Option(0, "--n-sents", "-n", help="Sentences per output doc; 0 keeps whole documents"),
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
    span_prefix: str = typer.Option(DEFAULT_CLUSTER_PREFIX, "--span-prefix", help="Span group prefix"),
) -> None:
    """Convert CoNLL-2012 or e2e-coref JSON lines coreference data to .spacy
    DocBin files with gold clusters in doc.spans["coref_clusters_N"]."""
    from .convert import convert_coref, read_ids

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


def coref_heads_cli(
    input_path: Path = typer.Argument(..., help="A .spacy file of gold coref docs"),
    output_path: Path = typer.Argument(..., help="The .spacy file to write"),
    pipeline: str = typer.Option(
        "en_core_web_sm", "--pipeline", help="A pipeline with a parser (falls back to the PyPI re-upload)"
    ),
    span_prefix: str = typer.Option(DEFAULT_CLUSTER_PREFIX, "--span-prefix", help="Span group prefix"),
) -> None:
    """Add the head word of every gold mention (coref_heads_N span groups, from a
    dependency parse of the gold words), which training the coref component needs."""
    from ...util import load_pipeline
    from .heads import add_heads_to_file

    if not input_path.is_file():
        msg.fail(f"{input_path} is not a file: give a .spacy file from convert-coref", exits=1)
    try:
        nlp = load_pipeline(pipeline)[0]
    except ValueError as err:
        msg.fail(str(err), exits=1)
    if "parser" not in nlp.pipe_names:
        msg.fail(f"{pipeline} has no parser: heads come from a dependency parse", exits=1)
    n = add_heads_to_file(input_path, output_path, nlp, span_prefix)
    msg.good(f"Wrote {output_path}: {n} docs with mention heads")


def register(app: typer.Typer) -> None:
    """Add the coref data commands to the spacy_transfer CLI."""
    app.command(name="convert-coref")(convert_coref_cli)
    app.command(name="coref-heads")(coref_heads_cli)
