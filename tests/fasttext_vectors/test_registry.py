"""The pyproject entry points of fasttext_vectors name the registered objects."""
import importlib
import tomllib
from pathlib import Path

from spacy.language import Language
from spacy.util import registry

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _load(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def test_fasttext_vectors_entry_points_match_registry():
    entry_points = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    factory = entry_points["spacy_factories"]["fasttext_vectors"]
    assert _load(factory) is registry.factories.get(Language.get_factory_name("fasttext_vectors"))
    layers = {k: v for k, v in entry_points["thinc_layers"].items() if "FastText" in k}
    assert set(layers) == {"spacy_transfer.FastTextEmbed.v1", "spacy_transfer.FastTextStatic.v1"}
    for name, target in layers.items():
        assert registry.layers.get(name) is _load(target)
