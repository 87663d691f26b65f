"""Load the pipeline an evaluation script scores (shared by evaluate_*.py)."""

import json
from typing import Optional

import spacy
from spacy.language import Language


def load_pipeline(model: str, add_pipe: Optional[str], pipe_config: str, gpu_id: int) -> Language:
    """Load a pipeline (package name or path) and optionally add one component,
    e.g. `--add-pipe neuralcoref --pipe-config '{"model_name": "neuralcoref-en"}'`
    to score the original weights on top of en_core_web_sm."""
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    if add_pipe:
        nlp.add_pipe(add_pipe, config=json.loads(pipe_config or "{}"))
    return nlp
