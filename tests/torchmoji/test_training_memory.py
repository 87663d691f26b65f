"""Training memory stays flat (issue #26): torchmoji's resident memory must not grow with the number of updates.

Before the fix in layers/pytorch_shim.py the heap grew by about one embedding table per update (here 100,000 x 8
floats, 3 MB: 184 MB between update 20 and update 80); now the growth is under 1 MB.
benchmarks/training_memory.py runs the same loop, and coref's and neuralcoref's, in fresh processes.
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
if not Path("/proc/self/statm").exists():
    pytest.skip("reads the resident memory from /proc (Linux)", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import training_memory as bench  # noqa: E402


def test_torchmoji_training_memory_stays_flat(tmp_path, single_torch_thread):
    update = bench.torchmoji_loop(tmp_path / "vocabulary.json")
    rss = bench.measure(update, n_updates=80, start=20)
    assert rss["growth_mb"] <= 40, rss
