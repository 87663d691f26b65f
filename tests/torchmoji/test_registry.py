"""Entry points in pyproject.toml match what the torchmoji modules register."""

import sys
from pathlib import Path

import pytest
from spacy.util import registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
EXPECTED = {
    "spacy_factories": {"torchmoji"},
    "spacy_architectures": {
        "spacy_transfer.TorchMoji.v1",
        "spacy_transfer.TorchMoji.v2",
        "spacy_transfer.TorchMojiPretrained.v1",
    },
    "spacy_scorers": {"spacy_transfer.torchmoji_scorer.v1"},
    "spacy_batchers": {"spacy_transfer.torchmoji_balanced_batcher.v1"},
}


def test_torchmoji_entry_points_match_registry():
    import spacy_transfer.torchmoji.component  # noqa: F401  (registers everything)

    entry_points = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    for group, names in EXPECTED.items():
        declared = {k for k, v in entry_points[group].items() if ".torchmoji." in v}
        assert declared == names, group
    assert registry.architectures.get("spacy_transfer.TorchMoji.v1")
    assert registry.architectures.get("spacy_transfer.TorchMoji.v2")
    assert registry.architectures.get("spacy_transfer.TorchMojiPretrained.v1")
    assert registry.scorers.get("spacy_transfer.torchmoji_scorer.v1")
    assert registry.batchers.get("spacy_transfer.torchmoji_balanced_batcher.v1")
    from spacy.language import Language

    assert "torchmoji" in Language.factories
