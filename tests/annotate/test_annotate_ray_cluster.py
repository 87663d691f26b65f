"""Ray engine on a multi-node cluster (ray.cluster_utils.Cluster: several raylets on one machine), with the worker
node of a busy actor removed in the middle of the run (issue 14).

The run is a `python -m spacy_transfer annotate --engine ray --ray-address ...` process, as on a real cluster. Once
some shards are written, the worker node of a busy actor is removed: Ray restarts the actor on a node that is left
and retries its batch, the run finishes by itself, and its output is byte-identical to the local engine's: nothing
lost, nothing twice.

Slow: starting three Ray nodes and their actors, and the run itself, take about two minutes on a small machine.
"""

import os
import signal
import subprocess
import time

import pytest

from spacy_transfer.annotate import AnnotateSettings, annotate_local

from .corpus import CODE, output_bytes, read_output, start_annotate_cli, write_corpus

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

SPEC = "blank:en + annotate_test_cats + annotate_test_slow"
SHARD_SIZE = 5
BATCH_SIZE = 2
N_GOOD = 150
RUN_TIMEOUT = 300  # seconds the run may take after the node is gone before it counts as hung


def run_cli(corpus, out, address, n_actors):
    options = [
        "--engine",
        "ray",
        "--ray-address",
        address,
        "-n",
        str(n_actors),
        "--shard-size",
        str(SHARD_SIZE),
        "--batch-size",
        str(BATCH_SIZE),
        "--max-length",
        "2000",
    ]
    return start_annotate_cli(SPEC, corpus, out, *options)


def busy_worker(workers):
    """A worker node whose CPU is taken (by an annotating actor), or None."""
    from ray._private.state import available_resources_per_node

    free = available_resources_per_node()
    for node in workers:
        if free.get(node.node_id, {}).get("CPU", 0.0) < 1.0:
            return node
    return None


@pytest.mark.slow
@pytest.mark.issue(14)
def test_annotate_ray_multi_node_survives_node_removal(tmp_path, monkeypatch):
    from ray.cluster_utils import Cluster

    corpus = tmp_path / "corpus.jsonl"
    info = write_corpus(corpus, n_good=N_GOOD)
    reference = tmp_path / "reference"
    annotate_local(
        AnnotateSettings(
            pipeline=SPEC,
            input=corpus,
            output=reference,
            code=CODE,
            shard_size=SHARD_SIZE,
            batch_size=BATCH_SIZE,
            max_length=2000,
        ),
        show_progress=False,
    )

    monkeypatch.setenv("ANNOTATE_TEST_SLEEP", "0.2")  # inherited by the raylets, hence by the actors
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    out = tmp_path / "out"
    proc = None
    try:
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        assert len([n for n in ray.nodes() if n["Alive"]]) == 3
        proc = run_cli(corpus, out, cluster.address, n_actors=2)
        deadline = time.time() + 240
        victim = None
        while victim is None:  # mid-run: some shards written, and an actor busy on a worker node
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            assert time.time() < deadline, "no shard written with an actor on a worker node in 240 s"
            if any(out.glob("results-*.jsonl")):
                victim = busy_worker(workers)
            time.sleep(0.05)
        n_written = len(list(out.glob("results-*.jsonl")))
        cluster.remove_node(victim)
        try:
            log = proc.communicate(timeout=RUN_TIMEOUT)[0].decode()
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run hung after its worker node was removed ({n_written} shards were written)")
        assert proc.returncode == 0, log[-3000:]
        n_shards = len(list(out.glob("results-*.jsonl")))
        assert 0 < n_written < n_shards  # the node went in the middle of the run
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        ray.shutdown()
        cluster.shutdown()
    assert output_bytes(out) == output_bytes(reference)
    results, errors = read_output(out)
    assert len(results) + len(errors) == info["n_lines"]  # every input line exactly once
    assert read_output(out) == read_output(reference)
