"""Local engine: one `nlp.pipe(n_process=N)` over the streamed input.

Input is read shard by shard and fed lazily to a single `nlp.pipe` call (worker processes
start once, not per shard). Results come back in input order, so a shard is complete as
soon as a result of a later shard arrives; it is then written atomically.

The worker processes die with the annotate process: `nlp.pipe` workers otherwise wait
forever for input once their parent is killed (`kill -9`, OOM killer), each holding a
whole pipeline in memory.
"""

import os
import signal
import sys
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, Iterator, List, Optional, Tuple

from spacy.tokens import DocBin

from .core import Annotated, annotate_stream, prepare_pipeline, shards_to_annotate
from .io import OutputDir, Record, Shard, check_input, count_records
from ..util import load_pipeline
from .progress import Progress
from .settings import AnnotateSettings

# The pid of the annotate process while it runs `nlp.pipe` with worker processes; the
# at-fork hook below only acts in children forked by that process during that time.
_PARENT_PID: Optional[int] = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _exit_with_parent() -> None:
    """At-fork hook: make an `nlp.pipe` worker of annotate end when its parent dies.

    Linux: the kernel sends SIGKILL at the parent's death (prctl PR_SET_PDEATHSIG); then a
    parent that died before the prctl call is caught by comparing getppid. Elsewhere a
    daemon thread checks getppid every second.
    """
    parent = _PARENT_PID
    if parent is None or os.getppid() != parent:
        return
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_exit_with_parent)


class _OpenShard:
    """A shard whose records are being annotated: results are collected here."""

    def __init__(self, shard: Shard, docbin: bool):
        self.shard = shard
        self.lines: List[str] = []
        self.errors: List[Dict[str, Any]] = list(shard.errors)
        self.docbin: Optional[DocBin] = DocBin(store_user_data=True) if docbin else None

    def add(self, result: Annotated) -> None:
        if result.line is not None:
            self.lines.append(result.line)
            if self.docbin is not None:
                self.docbin.add(result.doc)
        else:
            self.errors.append(result.error)


def annotate_local(
    settings: AnnotateSettings,
    *,
    n_process: int = 1,
    show_progress: bool = True,
    nlp=None,
    pipeline_loaded: Optional[str] = None,
) -> Dict[str, Any]:
    """Annotate the input with `nlp.pipe`, writing shards that a re-run skips.

    settings (AnnotateSettings): the run settings.
    n_process (int): worker processes for `nlp.pipe`.
    show_progress (bool): draw a progress bar.
    nlp (Optional[Language]): an already loaded pipeline for `settings.pipeline`.
    pipeline_loaded (Optional[str]): the base pipeline name `nlp` was loaded from.
    RETURNS (Dict[str, Any]): the summary also written to summary.json.

    DOCS: docs/annotate.md#local-engine
    """
    check_input(settings.input, settings.text_key, settings.id_key)
    out = OutputDir(settings.output)
    done = out.prepare(settings.output_settings())
    used = pipeline_loaded
    if nlp is None:
        nlp, used = load_pipeline(settings.pipeline, settings.code)
    prepare_pipeline(nlp, settings.max_length)
    progress = Progress(count_records(settings.input), show=show_progress)
    open_shards: Deque[_OpenShard] = deque()

    def items() -> Iterator[Tuple[Record, int]]:
        for index, shard in shards_to_annotate(settings, done, progress):
            open_shards.append(_OpenShard(shard, settings.docbin))
            for record in shard.records:
                yield record, index

    def close_until(index: Optional[int]) -> None:
        while open_shards and (index is None or open_shards[0].shard.index < index):
            _write(out, open_shards.popleft())

    results = annotate_stream(
        nlp, items(), n_process=n_process, batch_size=settings.batch_size, to_record=settings.to_record()
    )
    global _PARENT_PID
    _PARENT_PID = os.getpid()
    try:
        for result in results:
            close_until(result.context)
            open_shards[0].add(result)
            progress.update(int(result.line is not None), result.n_words, int(result.error is not None))
    finally:
        _PARENT_PID = None
    # Shards after the last doc (or all-error shards) are complete once input ends.
    close_until(None)
    summary = progress.close()
    summary.update(
        engine="local",
        n_process=n_process,
        pipeline=settings.pipeline,
        pipeline_loaded=used,
        output=str(settings.output),
    )
    return out.finish(summary)


def _write(out: OutputDir, open_shard: _OpenShard) -> None:
    docbin = open_shard.docbin.to_bytes() if open_shard.docbin is not None else None
    out.write_shard(open_shard.shard.index, open_shard.lines, open_shard.errors, docbin)
