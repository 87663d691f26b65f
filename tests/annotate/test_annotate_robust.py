"""Issue 14, point 6: a UTF-8 byte order mark loses no record; workers do not outlive a killed annotate."""

import codecs
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import List

import pytest

from spacy_transfer.annotate import AnnotateSettings, annotate_local

from .corpus import (
    CODE,
    EMOTION_TEXTS,
    assert_records_close,
    read_output,
    start_annotate_cli,
    write_corpus,
    write_emotion_corpus,
)

SPEC = "blank:en + annotate_test_cats + annotate_test_slow"


@pytest.mark.issue(14)
def test_annotate_utf8_bom_keeps_first_record(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    info = write_corpus(corpus, n_good=6, bad=False)
    plain = tmp_path / "plain"
    annotate_local(
        AnnotateSettings(pipeline=SPEC, input=corpus, output=plain, code=CODE, shard_size=4), show_progress=False
    )
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(codecs.BOM_UTF8 + corpus.read_bytes())
    out = tmp_path / "out"
    summary = annotate_local(
        AnnotateSettings(pipeline=SPEC, input=bom, output=out, code=CODE, shard_size=4), show_progress=False
    )
    results, errors = read_output(out)
    assert errors == []
    assert [r["id"] for r in results] == info["ids"]
    assert summary["total_docs"] == len(info["ids"])
    assert results == read_output(plain)[0]


def _children(pid: int) -> List[int]:
    """Pids whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.issue(14)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_annotate_workers_exit_when_parent_is_killed(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w", encoding="utf8") as f:
        for i in range(400):
            f.write(json.dumps({"id": i, "text": f"Record number {i} for the worker test."}) + "\n")
    out = tmp_path / "out"
    env = dict(os.environ, ANNOTATE_TEST_SLEEP="0.05")
    proc = start_annotate_cli(SPEC, corpus, out, "-n", "2", "--batch-size", "2", "--shard-size", "10", env=env)
    try:
        deadline = time.time() + 90
        while not list(out.glob("results-*.jsonl")):  # the workers are running
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.time() < deadline, "the run wrote no shard in 90 s"
            time.sleep(0.05)
        workers = [pid for pid in _children(proc.pid) if _alive(pid)]
        assert len(workers) >= 2, workers
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the OOM killer would
        proc.wait()
        deadline = time.time() + 15
        while any(_alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left, so that a failure leaves no orphans either
        except ProcessLookupError:
            pass


# Documented in docs/annotate.md#equality: scores of learned models may differ by this much when the docs of a
# batch differ (as between the local and the Ray engine), never more.
@pytest.mark.issue(14)
def test_annotate_batch_composition_within_tolerance(tmp_path):
    """A learned model's scores with other batch neighbours (batch size 1 vs 5) stay within SCORE_TOLERANCE."""
    corpus = write_emotion_corpus(tmp_path / "corpus.jsonl")
    outputs = []
    for batch_size in (1, 5):
        out = tmp_path / f"out{batch_size}"
        annotate_local(
            AnnotateSettings(
                pipeline="blank:en + torchmoji", input=corpus, output=out, shard_size=3, batch_size=batch_size
            ),
            show_progress=False,
        )
        outputs.append(read_output(out)[0])
    assert len(outputs[0]) == len(EMOTION_TEXTS) and outputs[0][0]["cats"]
    assert_records_close(outputs[0], outputs[1])
