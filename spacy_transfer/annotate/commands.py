"""`python -m spacy_transfer annotate`: corpus-scale batch annotation."""

from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer

from .extract import DEFAULT_COREF_PREFIX, DEFAULT_EMOTIONS_ATTR
from .settings import DEFAULT_MAX_LENGTH, DEFAULT_STALL_TIMEOUT, AnnotateSettings


class Engine(str, Enum):
    local = "local"
    ray = "ray"


def annotate_command(
    pipeline: str = typer.Argument(
        ..., help="Pipeline name/path, or a spec like 'en_core_web_sm + neuralcoref + torchmoji'"
    ),
    input_path: Path = typer.Argument(
        ..., metavar="INPUT", help='JSONL file (one {"id", "text"} per line) or Parquet file/directory'
    ),
    output: Path = typer.Argument(..., help="Output directory for result shards and errors.jsonl"),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local: nlp.pipe(n_process); ray: Ray Data actors"),
    n_process: int = typer.Option(1, "--n-process", "-n", help="Processes (local) or actors (ray)"),
    batch_size: int = typer.Option(64, "--batch-size", "-b", help="Docs per batch"),
    shard_size: int = typer.Option(1000, "--shard-size", help="Records per output shard (the unit of resuming)"),
    text_key: str = typer.Option("text", "--text-key", help="Key/column holding the text"),
    id_key: str = typer.Option("id", "--id-key", help="Key/column holding the id"),
    max_length: int = typer.Option(
        DEFAULT_MAX_LENGTH, "--max-length", help="Longer texts go to errors.jsonl (characters)"
    ),
    coref_prefix: str = typer.Option(
        DEFAULT_COREF_PREFIX, "--coref-prefix", help="Span-group prefix of coref clusters"
    ),
    emotions_attr: str = typer.Option(
        DEFAULT_EMOTIONS_ATTR, "--emotions-attr", help="Doc extension holding emotion scores"
    ),
    docbin: bool = typer.Option(False, "--docbin", help="Also write .spacy DocBin shards"),
    resolved: bool = typer.Option(False, "--resolved", help="Add each doc's resolved text (coref mentions replaced)"),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering custom components"),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", help="Ray cluster address (default: start a local Ray)"
    ),
    stall_timeout: float = typer.Option(
        DEFAULT_STALL_TIMEOUT,
        "--stall-timeout",
        help="Ray: stop the run when no result came back for this many seconds",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
) -> None:
    """Annotate a corpus with a pipeline; re-running the same command resumes.

    Every input record ends up exactly once in a results-*.jsonl shard or in
    errors.jsonl with the reason.
    """
    from wasabi import msg

    from .io import check_input
    from ..util import load_pipeline
    from .progress import print_summary

    with _exit_on_coded_error():
        settings = AnnotateSettings(
            pipeline=pipeline,
            input=input_path,
            output=output,
            text_key=text_key,
            id_key=id_key,
            shard_size=shard_size,
            max_length=max_length,
            coref_prefix=coref_prefix,
            emotions_attr=emotions_attr,
            docbin=docbin,
            resolved=resolved,
            code=str(code) if code else None,
            batch_size=batch_size,
        )
        check_input(settings.input, settings.text_key, settings.id_key)
        if engine == Engine.local:
            from .engine_local import annotate_local

            nlp, used = load_pipeline(settings.pipeline, settings.code)
            msg.info(f"Pipeline: {used} with components {nlp.pipe_names}")
            summary = annotate_local(
                settings, n_process=n_process, show_progress=progress, nlp=nlp, pipeline_loaded=used
            )
        else:
            from .engine_ray import annotate_ray
            from ..util import resolve_spec

            msg.info(f"Pipeline for the Ray actors: {resolve_spec(settings.pipeline)[0]}")
            summary = annotate_ray(
                settings, n_actors=n_process, address=ray_address, show_progress=progress, stall_timeout=stall_timeout
            )
        print_summary(summary)


@contextmanager
def _exit_on_coded_error() -> Iterator[None]:
    """A coded error already says what was wrong and what to do: print it and exit 1, without a traceback."""
    from wasabi import msg

    try:
        yield
    except (ValueError, OSError, RuntimeError) as err:
        if not str(err).startswith("[spacy_transfer."):
            raise
        msg.fail(str(err), exits=1)


def register(app: typer.Typer) -> None:
    """Add the annotate command to the spacy_transfer CLI."""
    app.command(name="annotate")(annotate_command)
