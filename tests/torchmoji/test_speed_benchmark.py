"""The speed benchmark's anchor and ceiling: its ratios mean something only if the anchor
computes the same network and the floor is a true lower bound."""

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import torchmoji_speed as bench  # noqa: E402

from spacy_transfer.torchmoji.torch_model import TorchMoji  # noqa: E402


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return TorchMoji(300, 16, 12, 5).eval()


def test_anchor_matches_ours(small_model):
    with torch.inference_mode():
        for ids, lens in bench.make_batches(9, 4, 300, seed=1):
            ours = small_model(ids, lens)
            ref = bench.anchor_forward(small_model, ids, lens)
            for a, b in zip(ours, ref):
                assert torch.allclose(a, b, atol=1e-5)


def test_floor_counts_every_step_and_token():
    batches = [(None, torch.tensor([3, 1])), (None, torch.tensor([2]))]
    # weights stream at 1 byte/s, so each step costs its recurrent weight bytes in seconds
    floor = bench.floor_seconds(batches, embed=4, hidden=2, n_labels=3, peak_gflops=1.0,
                                stream_gbs=1e-9)  # fmt: skip
    steps = 3 + 2  # longest text of each batch
    per_step = 2 * 2 * 8 * 4  # both directions' hidden x 4*hidden float32 kernels
    assert floor > 2 * steps * per_step  # both layers, plus the non-recurrent FLOPs
    assert floor < 2 * steps * per_step + 1e-4
