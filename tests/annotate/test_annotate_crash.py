"""Resume after a real crash: kill -9 a running `annotate` subprocess, then re-run it."""

import os
import signal
import time

from spacy_transfer.annotate import AnnotateSettings, annotate_local

from .corpus import CODE, output_bytes, read_output, start_annotate_cli, write_corpus

SPEC = "blank:en + annotate_test_cats + annotate_test_fail + annotate_test_slow"
N_GOOD = 60
SHARD_SIZE = 5
MAX_LENGTH = 2000


def run_cli(corpus, out, sleep):
    env = dict(os.environ, ANNOTATE_TEST_SLEEP=str(sleep))
    options = ["--shard-size", str(SHARD_SIZE), "--batch-size", "2", "--max-length", str(MAX_LENGTH)]
    return start_annotate_cli(SPEC, corpus, out, *options, env=env)


def test_annotate_resume_after_kill_9(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    info = write_corpus(corpus, n_good=N_GOOD)
    n_shards = -(-info["n_lines"] // SHARD_SIZE)
    # Reference: the same run, uninterrupted, in this process.
    reference = tmp_path / "reference"
    annotate_local(
        AnnotateSettings(
            pipeline=SPEC,
            input=corpus,
            output=reference,
            code=CODE,
            shard_size=SHARD_SIZE,
            batch_size=2,
            max_length=MAX_LENGTH,
        ),
        show_progress=False,
    )
    out = tmp_path / "out"
    proc = run_cli(corpus, out, sleep=0.05)
    deadline = time.time() + 60
    while len(list(out.glob("results-*.jsonl"))) < 2:
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.time() < deadline, "the run wrote no shard in 60 s"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = list(out.glob("results-*.jsonl"))
    assert 2 <= len(finished) < n_shards, "the kill must land in the middle of the run"
    assert not (out / "summary.json").exists()
    # Every shard that exists is whole: its lines are the reference's lines.
    for path in finished:
        assert path.read_bytes() == (reference / path.name).read_bytes()
    proc = run_cli(corpus, out, sleep=0)
    log = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode == 0, log
    assert "Skipped" in log
    assert output_bytes(out) == output_bytes(reference)
    results, errors = read_output(out)
    assert [r["id"] for r in results] == info["ids"]
    assert {e["line"]: e["code"] for e in errors} == info["bad"]
