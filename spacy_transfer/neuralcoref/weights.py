"""Where a NeuralCoref's weights come from, returned as data (so that training never needs the component):
the converted original weights, a saved pipeline's component, or fresh scorer weights with the original
word vectors."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import numpy
import srsly
from spacy.util import ensure_path

from ..errors import Errors

INIT_CHOICES = 'use "original", "scratch" or a saved pipeline directory'


@dataclass
class CorefWeights:
    """What a NeuralCoref loads besides its settings.

    vectors: the word-vector tables (static and tuned vectors and their keys).
    state: the scorer's torch state as arrays (converted original weights), or None.
    model_bytes: a saved component's Thinc model bytes, or None.
    model_file: where model_bytes were read (for error messages).
    saved_cfg: a saved component's settings, or None.
    source: the directory read, for error messages.
    """

    vectors: Dict[str, numpy.ndarray]
    state: Optional[Dict[str, numpy.ndarray]] = None
    model_bytes: Optional[bytes] = None
    model_file: Optional[Path] = None
    saved_cfg: Optional[Dict[str, Any]] = None
    source: Optional[Path] = None


def converted_weights(model_name: str) -> CorefWeights:
    """The converted weights of a known name such as "neuralcoref-en", or of a directory."""
    from .io import load_weights, resolve_model_path

    path = resolve_model_path(model_name)
    state, vectors = load_weights(path)
    return CorefWeights(vectors=vectors, state=state, source=path)


def saved_component_weights(component_dir: Path) -> CorefWeights:
    """The settings, model bytes and vectors a NeuralCoref wrote with to_disk."""
    from safetensors.numpy import load_file

    model_file = component_dir / "model"
    return CorefWeights(
        vectors=load_file(str(component_dir / "vectors")),
        model_bytes=model_file.read_bytes(),
        model_file=model_file,
        saved_cfg=srsly.read_json(component_dir / "cfg"),
        source=component_dir,
    )


def initial_weights(init_weights: str, model_name: str, component_name: str) -> CorefWeights:
    """The weights training starts from.

    init_weights (str): "original" (the converted weights of model_name), "scratch" (only model_name's word
        vectors; the scorer keeps its fresh weights) or a saved pipeline directory (its component named
        component_name, or the component's own directory).
    model_name (str): where the original weights and the word vectors come from.
    component_name (str): the component's name in a saved pipeline.
    """
    if init_weights == "original":
        return converted_weights(model_name)
    if init_weights == "scratch":
        return CorefWeights(vectors=converted_weights(model_name).vectors)
    path = ensure_path(init_weights)
    component_dir = path / component_name if (path / component_name / "model").is_file() else path
    if not (component_dir / "model").is_file():
        raise ValueError(Errors.E004.format(key="init_weights", value=init_weights, detail=INIT_CHOICES))
    return saved_component_weights(component_dir)
