"""Every entry point in pyproject.toml resolves, and names a function registered under it.

tests/entry_points.json is the expected list (spaCy keeps factory_registrations.json for the same reason): a
name that a trained pipeline's config refers to must not vanish or move by accident.
"""

import importlib
import json
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.util import registry

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
ENTRY_POINTS = PYPROJECT["project"]["entry-points"]
EXPECTED_ENTRY_POINTS = json.loads((ROOT / "tests" / "entry_points.json").read_text())
REGISTRIES = {
    "spacy_architectures": "architectures",
    "spacy_scorers": "scorers",
    "spacy_readers": "readers",
    "spacy_batchers": "batchers",
    "thinc_layers": "layers",
}
FACTORIES = ("neuralcoref", "torchmoji", "zero_shot_classifier", "fasttext_vectors", "transformer_encoder", "coref")


def _params():
    for group, entries in ENTRY_POINTS.items():
        for name, target in entries.items():
            yield pytest.param(group, name, target, id=f"{group}:{name}")


@pytest.mark.parametrize("group,name,target", list(_params()))
def test_entry_point_resolves_and_is_registered(group, name, target):
    module_name, attr = target.split(":")
    func = getattr(importlib.import_module(module_name), attr)
    if group == "spacy_factories":
        assert Language.has_factory(name)
        assert Language.get_factory_meta(name).factory == name
        assert registry.factories.get(Language.get_factory_name(name)) is func
        return
    assert group in REGISTRIES, f"unexpected entry-point group {group}"
    assert getattr(registry, REGISTRIES[group]).get(name) is func


def test_every_registered_spacy_transfer_name_has_an_entry_point():
    import spacy_transfer.neuralcoref.component  # noqa: F401
    import spacy_transfer.torchmoji.component  # noqa: F401  (registers the scorer and batcher too)

    declared = {name for group in ENTRY_POINTS.values() for name in group}
    for reg in ("architectures", "scorers", "readers", "batchers"):
        for name in getattr(registry, reg).get_all():
            if name.startswith("spacy_transfer."):
                assert name in declared, f"{reg} {name} is registered but not in pyproject entry points"

    for factory in FACTORIES:
        assert factory in ENTRY_POINTS["spacy_factories"]
        assert factory in Language.factories


def test_entry_points_are_the_expected_names_and_targets():
    assert ENTRY_POINTS == EXPECTED_ENTRY_POINTS


def test_installed_entry_points_match_pyproject():
    """The installed metadata is what spaCy reads; it goes stale when pyproject changes without a reinstall."""
    for group, entries in ENTRY_POINTS.items():
        installed = {ep.name: ep.value for ep in entry_points(group=group) if ep.value.startswith("spacy_transfer.")}
        assert installed == entries, f"{group}: reinstall with pip install -e ."
