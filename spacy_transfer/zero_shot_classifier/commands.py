"""`python -m spacy_transfer zero-shot TEXT... --label L ...`: classify texts from the command line."""

from typing import List, Optional

import typer
from wasabi import msg


def zero_shot_command(
    texts: List[str] = typer.Argument(..., help="Texts to classify"),
    labels: List[str] = typer.Option(..., "--label", "-l", help="A candidate label (repeat the option)"),
    backend: str = typer.Option("embedding", help="embedding or nli"),
    model: Optional[str] = typer.Option(None, help="Local model directory (default: packaged MiniLM)"),
    template: Optional[str] = typer.Option(None, help="Hypothesis template with one {}"),
    multi_label: bool = typer.Option(False, "--multi-label", help="Score labels independently"),
) -> None:
    """Zero-shot classify TEXTS against the given labels and print the scores."""
    import spacy

    config = {"labels": labels, "backend": backend, "model": model, "multi_label": multi_label}
    if template:
        config["hypothesis_template"] = template
    nlp = spacy.blank("en")
    nlp.add_pipe("zero_shot_classifier", config=config)
    for doc in nlp.pipe(texts):
        ranked = sorted(doc.cats.items(), key=lambda item: -item[1])
        msg.table([(label, f"{score:.3f}") for label, score in ranked], header=(doc.text[:60], "score"), divider=True)


def register(app: typer.Typer) -> None:
    """Add the zero-shot command to the spacy_transfer CLI."""
    app.command(name="zero-shot")(zero_shot_command)
