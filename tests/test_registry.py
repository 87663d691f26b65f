"""Every entry point in pyproject.toml resolves, and names a function registered under it."""
import importlib
import tomllib
from pathlib import Path

import pytest
from spacy.util import registry

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
ENTRY_POINTS = PYPROJECT["project"]["entry-points"]
REGISTRIES = {
    "spacy_architectures": "architectures",
    "spacy_scorers": "scorers",
    "spacy_readers": "readers",
    "spacy_batchers": "batchers",
    "thinc_layers": "layers",
}


def _params():
    for group, entries in ENTRY_POINTS.items():
        for name, target in entries.items():
            yield pytest.param(group, name, target, id=f"{group}:{name}")


@pytest.mark.parametrize("group,name,target", list(_params()))
def test_entry_point_resolves_and_is_registered(group, name, target):
    module_name, attr = target.split(":")
    func = getattr(importlib.import_module(module_name), attr)
    if group == "spacy_factories":
        from spacy.language import Language

        assert Language.has_factory(name)
        assert Language.get_factory_meta(name).factory == name
        return
    assert group in REGISTRIES, f"unexpected entry-point group {group}"
    assert getattr(registry, REGISTRIES[group]).get(name) is func


def test_every_registered_spacy_transfer_name_has_an_entry_point():
    import spacy_transfer.neuralcoref.component  # noqa: F401

    declared = {name for group in ENTRY_POINTS.values() for name in group}
    for reg in ("architectures", "scorers", "readers", "batchers"):
        for name in getattr(registry, reg).get_all():
            if name.startswith("spacy_transfer."):
                assert name in declared, f"{reg} {name} is registered but not in pyproject entry points"

    for factory in ("neuralcoref", "torchmoji", "zero_shot_classifier", "fasttext_vectors", "transformer_encoder", "coref"):
        assert factory in ENTRY_POINTS["spacy_factories"]
