"""Ray engine: a node lost in the first seconds never hangs the run (issue 26), and a missing cluster is a coded
error (issue 25).

One module-scoped simulated cluster (ray.cluster_utils.Cluster: a head and two worker nodes, one CPU each, as in
test_annotate_ray_cluster.py). A worker node is removed at a fixed point of the run through a hook, not after a
sleep: while the driver lists the staged files, or once the first result is back. The run must finish or stop with
a coded error, and the same command run again must give the output of a run without failure (the local
engine's, which the Ray engine equals byte for byte).
"""

import socket
import threading

import pytest

from spacy_transfer.annotate import AnnotateSettings, annotate_local, annotate_ray
from spacy_transfer.annotate import engine_ray

from .corpus import CODE, output_bytes, write_corpus

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

SPEC = "blank:en + annotate_test_cats"
STALL_TIMEOUT = 60  # the engine's own bound: E320 after this long without a result
RUN_LIMIT = 150  # seconds after which a run counts as hung (the stall timeout plus actor starts on a busy machine)


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    cluster.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    write_corpus(path, n_good=40)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("reference") / "out"
    annotate_local(make_settings(corpus, out), show_progress=False)
    return out


def make_settings(corpus, out):
    return AnnotateSettings(
        pipeline=SPEC, input=corpus, output=out, code=CODE, shard_size=5, batch_size=2, max_length=2000
    )


def run_bounded(settings, address):
    """annotate_ray in a thread: RETURNS ("done", summary) or ("error", exception), or fails the test on a hang."""
    outcome = []

    def target():
        try:
            outcome.append(
                (
                    "done",
                    annotate_ray(
                        settings, n_actors=2, address=address, show_progress=False, stall_timeout=STALL_TIMEOUT
                    ),
                )
            )
        except Exception as err:
            outcome.append(("error", err))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(RUN_LIMIT)
    if thread.is_alive():
        pytest.fail(f"the run hung: no end and no coded error in {RUN_LIMIT} s")
    return outcome[0]


def remove_worker(cluster):
    cluster.remove_node(sorted(cluster.worker_nodes, key=lambda node: node.node_id)[0], allow_graceful=False)


@pytest.mark.issue(26)
# The listing case hung before (the old read_parquet listing task waited forever for a CPU); mid-run removal is
# also covered by test_annotate_ray_cluster.py, so the second case runs only with --slow (each takes ~20-40 s).
@pytest.mark.parametrize("when", ["listing", pytest.param("first_result", marks=pytest.mark.slow)])
def test_annotate_ray_node_lost_in_first_seconds(tmp_path, monkeypatch, cluster, corpus, reference, when):
    while len(cluster.worker_nodes) < 2:  # a case before this one removed a node
        cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    removed = []

    def remove_once():
        if not removed:
            remove_worker(cluster)
            removed.append(True)

    if when == "listing":
        # The driver lists the staged files; the node goes while it does.
        work_items = engine_ray.work_items

        def listing(*args, **kwargs):
            remove_once()
            return work_items(*args, **kwargs)

        monkeypatch.setattr(engine_ray, "work_items", listing)
    else:
        # The first result is back: the actors run, one of them likely on the node that goes.
        within_timeout = engine_ray.within_timeout

        def started(iterable, *args, **kwargs):
            def remove_after_first(batches):
                for i, batch in enumerate(batches):
                    yield batch
                    if i == 0:
                        remove_once()

            return within_timeout(remove_after_first(iterable), *args, **kwargs)

        monkeypatch.setattr(engine_ray, "within_timeout", started)
    out = tmp_path / "out"
    kind, value = run_bounded(make_settings(corpus, out), cluster.address)
    assert removed
    if kind == "error":
        assert isinstance(value, RuntimeError) and str(value).startswith("[spacy_transfer.E3"), repr(value)
    monkeypatch.undo()
    kind, value = run_bounded(make_settings(corpus, out), cluster.address)  # the same command again
    assert kind == "done", repr(value)
    assert output_bytes(out) == output_bytes(reference)
    assert not (out / "staging").exists()


def test_within_timeout_passes_items_and_errors_and_stops_a_stall():
    assert list(engine_ray.within_timeout(iter([1, 2, 3]), 5, lambda: AssertionError("no stall"))) == [1, 2, 3]

    def broken():
        yield 1
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        list(engine_ray.within_timeout(broken(), 5, lambda: AssertionError("no stall")))
    never = threading.Event()

    def stalled():
        yield "first"
        never.wait()  # like a Ray call waiting for a CPU that never comes back
        yield "never"

    got = []
    with pytest.raises(RuntimeError, match="stalled"):
        for item in engine_ray.within_timeout(stalled(), 0.2, lambda: RuntimeError("stalled")):
            got.append(item)
    never.set()
    assert got == ["first"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.issue(25)
@pytest.mark.parametrize("address", ["auto", "port"])
def test_annotate_ray_without_cluster_is_a_coded_error(tmp_path, monkeypatch, corpus, address):
    import typer
    from ray._private import services
    from typer.testing import CliRunner

    from spacy_transfer.annotate import commands

    assert not ray.is_initialized()  # otherwise annotate_ray would use that Ray and never connect
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    if address == "auto":
        # No cluster on this machine, whatever other test runs may have started: "auto" finds none.
        no_gcs = lambda: []  # noqa: E731
        no_gcs.cache_clear = lambda: None  # ray.shutdown clears the cache of the function it replaces
        monkeypatch.setattr(services, "find_gcs_addresses", no_gcs)
        monkeypatch.setattr(services, "find_bootstrap_address", lambda temp_dir: None)
    else:
        address = f"127.0.0.1:{free_port()}"  # nothing listens there; ray.init alone would retry for minutes
    app = typer.Typer()
    commands.register(app)
    app.command(name="unused")(lambda: None)  # keeps "annotate" a subcommand
    args = ["annotate", SPEC, str(corpus), str(tmp_path / "out"), "--code", CODE, "--engine", "ray"]
    args += ["--ray-address", address, "--max-length", "2000", "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    # One paragraph (wasabi wraps it): what failed and the two ways out.
    [message] = [para.replace("\n", " ") for para in result.output.split("\n\n") if "E319" in para]
    assert f"No Ray cluster answers at --ray-address {address} (" in message
    assert "`ray start --head`" in message and "drop --ray-address" in message
    assert not ray.is_initialized()
