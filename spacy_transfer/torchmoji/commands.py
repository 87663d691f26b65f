"""`torchmoji-import`: convert torchMoji's original checkpoint into our weight format."""

from pathlib import Path
from typing import Optional

import srsly
import typer
from wasabi import msg


def torchmoji_import(
    weights: Path = typer.Argument(..., help="torchMoji pytorch_model.bin", exists=True),
    vocab: Path = typer.Argument(..., help="torchMoji vocabulary.json", exists=True),
    output_dir: Path = typer.Argument(..., help="directory to write"),
    emoji_codes: Optional[Path] = typer.Option(None, help="emoji_codes.json: label names"),
    max_length: int = typer.Option(30, help="tokens per text (DeepMoji used 30)"),
) -> None:
    """Write a directory usable as spacy_transfer.TorchMojiPretrained.v1 `name`
    (config.json, vocabulary.json, model.safetensors in float32).
    """
    from .io import (
        load_original_checkpoint,
        read_vocabulary,
        save_pretrained,
        widths_from_state_dict,
    )

    state = load_original_checkpoint(weights)
    widths = widths_from_state_dict(state, weights)
    n_labels = widths.get("nO")
    if n_labels is None:
        msg.fail(
            "The checkpoint has no output layer (feature-only); nothing to classify.",
            exits=1,
        )
    if emoji_codes is not None:
        codes = srsly.read_json(emoji_codes)
        labels = [codes[str(i)] for i in range(len(codes))]
    else:
        labels = [f"emoji_{i}" for i in range(n_labels)]
    if len(labels) != n_labels:
        msg.fail(f"{len(labels)} label names for {n_labels} outputs.", exits=1)
    config = {
        "n_tokens": widths["n_tokens"], "embed_width": widths["embed_width"],
        "hidden_width": widths["hidden_width"], "max_length": max_length,
        "multi_label": False, "labels": labels, "thresholds": {},
        "word_mapping": "deepmoji",  # DeepMoji's own words, as SentenceTokenizer gives
        "trained_on": f"converted from {weights.name}",
    }  # fmt: skip
    save_pretrained(output_dir, state, read_vocabulary(vocab), config, half=False)
    msg.good(f"Wrote {output_dir}: use config {{'model': {{'name': '{output_dir}'}}}}")


def register(app: typer.Typer) -> None:
    app.command(name="torchmoji-import")(torchmoji_import)
