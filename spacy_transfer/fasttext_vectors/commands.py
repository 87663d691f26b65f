"""`python -m spacy_transfer init-fasttext MODEL.bin OUT_DIR`: compact, memory-mappable fastText vectors."""

import json
from pathlib import Path
from typing import Optional

import typer


def init_fasttext(
    model: Path = typer.Argument(..., help="fastText .bin (or .vec, or an init-fasttext directory)"),
    out_dir: Path = typer.Argument(..., help="directory to write"),
    max_words: Optional[int] = typer.Option(
        None,
        "--max-words",
        help="keep precomputed vectors for the N most " "frequent words; the rest are built from n-grams",
    ),
    dtype: str = typer.Option("float32", "--dtype", help="float32 or float16 storage"),
    prune_buckets: Optional[int] = typer.Option(
        None, "--prune-buckets", help="keep the N n-gram buckets most " "used by the vocabulary (by word count)"
    ),
) -> None:
    """Export a fastText model to a small directory the `fasttext_vectors` component loads with mmap."""
    from wasabi import msg

    from .export import export_fasttext

    info = export_fasttext(model, out_dir, max_words=max_words, dtype=dtype, prune_buckets=prune_buckets)
    source_bytes = (
        sum(p.stat().st_size for p in Path(model).glob("*")) if Path(model).is_dir() else Path(model).stat().st_size
    )
    msg.good(
        f"Wrote {out_dir}: {info['n_words']} words, {info['n_buckets']} buckets, {info['dtype']}, "
        f"{info['bytes'] / 1e6:.1f} MB (source {source_bytes / 1e6:.1f} MB)"
    )
    print(json.dumps({k: info[k] for k in ("n_words", "n_buckets", "dtype", "bytes")}))


def register(app: typer.Typer) -> None:
    app.command(name="init-fasttext")(init_fasttext)


if __name__ == "__main__":
    # `python -m spacy_transfer.fasttext_vectors.commands MODEL OUT_DIR ...`: the same command without the
    # package CLI (used by projects/fasttext/project.yml)
    typer.run(init_fasttext)
