"""CLI for the coref view: `python -m spacy_transfer visualize PIPELINE`."""

from pathlib import Path
from typing import Optional

import typer
from wasabi import msg


def visualize_cli(
    pipeline: str = typer.Argument(
        ...,
        help="Pipeline name/path, or a spec like 'en_core_web_sm + neuralcoref'",
    ),
    port: int = typer.Option(5002, "--port", "-p", help="Port to serve on"),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface; 0.0.0.0 serves other machines too"),
    max_length: int = typer.Option(100_000, "--max-length", help="Longest pasted text accepted (characters)"),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering custom components"),
) -> None:
    """Serve a page where you paste text and see its coreference clusters and
    resolved text; the pipeline runs on this machine."""
    from ...util import load_pipeline
    from .serve import serve_visualizer

    if max_length < 1:
        msg.fail(f"--max-length must be a positive integer, got {max_length}", exits=1)
    try:
        nlp, used = load_pipeline(pipeline, str(code) if code else None)
    except ValueError as err:
        msg.fail(str(err), exits=1)
    msg.info(f"Pipeline: {used} with components {nlp.pipe_names}")
    try:
        serve_visualizer(nlp, port=port, host=host, max_length=max_length)
    except OSError as err:
        msg.fail(str(err), exits=1)


def register(app: typer.Typer) -> None:
    """Add the coref view's command to the spacy_transfer CLI."""
    app.command(name="visualize")(visualize_cli)
