"""Ray engine: Ray Data actors annotate the shards, the driver writes them.

1. The driver streams the input shard by shard (as the local engine does), sends bad
   records to errors, and stages each unfinished shard's valid records as a Parquet file
   under OUTPUT/staging/. Shards stay defined by input line numbers, so the output, and
   resuming, are exactly those of the local engine.
2. The driver lists the work itself, one item per batch of a staged file (path and row
   range), and hands the list to `ray.data.from_items`: Ray Data then runs no listing or
   reading task of its own, which is where a node lost in the first seconds used to hang
   the run (the listing task waited for a CPU that the restarted actor had taken).
   `map_batches` runs `RayAnnotator`, a callable class that loads the pipeline once per
   actor (`ActorPoolStrategy`), reads its rows from the staged file and annotates them
   through the same `annotate_stream` as the local engine.
3. The driver gathers results per shard and writes each shard atomically once it has
   all of its records (Ray's own writers name files after blocks, which cannot say which
   input lines are done, so we write the shards ourselves). When no result comes back for
   `stall_timeout` seconds (a cluster that lost the CPUs its actors need waits forever),
   the run stops with E320; finished shards are kept for the re-run.

Ray is imported only here and in ray_connect.py, and only when this engine runs.
"""

import dataclasses
import json
import queue
import shutil
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from ..errors import Errors
from .core import annotate_stream, prepare_pipeline, shards_to_annotate
from .io import OutputDir, Record, atomic_write, check_input, count_records
from ..util import load_pipeline, resolve_spec
from .progress import Progress
from .ray_connect import connect
from .settings import DEFAULT_STALL_TIMEOUT, AnnotateSettings

STAGING_DIR = "staging"
# Blocks of work items per actor: enough for the pool to share the work evenly, few enough objects for a big corpus.
BLOCKS_PER_ACTOR = 100


def import_ray():
    """Import Ray with Ray Data, or explain how to install it.

    RETURNS (module): the `ray` module.
    """
    try:
        import ray
        import ray.data  # noqa: F401  (ray without the [data] extra lacks it)
    except ImportError as err:
        raise ImportError(Errors.E313) from err
    _guard_fsspec_http()
    return ray


def _guard_fsspec_http() -> None:
    # Ray Data resolves paths in threads, each importing fsspec's HTTP filesystem and
    # expecting ModuleNotFoundError when it is unusable. With fsspec installed but not
    # aiohttp, one of our first runs instead got "ImportError: cannot import name
    # 'HTTPFileSystem'" (a half-imported module seen by another thread), which Ray does
    # not catch. Marking the module absent makes every import fail the expected way.
    # Only done when the module cannot work anyway (no aiohttp).
    import importlib.util
    import sys

    name = "fsspec.implementations.http"
    if name in sys.modules or importlib.util.find_spec("fsspec") is None:
        return
    if importlib.util.find_spec("aiohttp") is None:
        sys.modules[name] = None


class RayAnnotator:
    """Ray Data callable class: one pipeline per actor, reused for every batch.

    settings (AnnotateSettings): the run settings; the actor loads its own pipeline from
        `settings.pipeline` (and `settings.code`), so nothing big is shipped to it.
    """

    def __init__(self, settings: AnnotateSettings):
        self.nlp, _ = load_pipeline(settings.pipeline, settings.code)
        prepare_pipeline(self.nlp, settings.max_length)
        self.to_record = settings.to_record()
        self.batch_size = settings.batch_size
        self.docbin = settings.docbin
        self._staged: Tuple[Optional[str], Any] = (None, None)

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[Any]]:
        """Annotate the staged records named by a batch of work items.

        batch (Dict[str, Any]): columns "path", "start" and "stop": rows start..stop-1 of a staged file.
        RETURNS (Dict[str, List[Any]]): per record its shard and line, the JSON line or
            the JSON error entry, the word count, and optionally DocBin bytes.
        """
        from spacy.tokens import DocBin

        items = []
        for path, start, stop in zip(batch["path"], batch["start"], batch["stop"]):
            rows = self._read(str(path)).slice(int(start), int(stop) - int(start)).to_pydict()
            items.extend(
                (Record(line=line, doc_id=json.loads(id_json), text=text), shard)
                for shard, line, id_json, text in zip(rows["shard"], rows["line"], rows["id_json"], rows["text"])
            )
        out: Dict[str, List[Any]] = {"shard": [], "line": [], "result": [], "error": [], "words": [], "doc": []}
        for result in annotate_stream(self.nlp, items, batch_size=self.batch_size, to_record=self.to_record):
            out["shard"].append(result.context)
            out["line"].append(result.record.line)
            out["result"].append(result.line)
            out["error"].append(json.dumps(result.error, ensure_ascii=False) if result.error is not None else None)
            out["words"].append(result.n_words)
            doc_bytes = None
            if self.docbin and result.doc is not None:
                doc_bytes = DocBin(docs=[result.doc], store_user_data=True).to_bytes()
            out["doc"].append(doc_bytes)
        return out

    def _read(self, path: str):
        # Consecutive items mostly come from the same shard: read each staged file once.
        if self._staged[0] != path:
            import pyarrow.parquet as pq

            self._staged = (path, pq.read_table(path))
        return self._staged[1]


class _PendingShard:
    """Results of a shard gathered on the driver until all its records are back."""

    def __init__(self, errors: List[Dict[str, Any]], n_records: int, staged: Path):
        self.errors = list(errors)
        self.n_records = n_records
        self.staged = staged
        self.rows: List[Dict[str, Any]] = []


def _stage(path: Path, index: int, records: List[Record]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "shard": pa.array([index] * len(records), pa.int64()),
            "line": pa.array([r.line for r in records], pa.int64()),
            # JSON keeps an integer id an integer and a string id a string.
            "id_json": pa.array([json.dumps(r.doc_id) for r in records], pa.string()),
            "text": pa.array([r.text for r in records], pa.string()),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write(path, sink.getvalue().to_pybytes())


def annotate_ray(
    settings: AnnotateSettings,
    *,
    n_actors: int = 2,
    address: Optional[str] = None,
    show_progress: bool = True,
    stall_timeout: float = DEFAULT_STALL_TIMEOUT,
) -> Dict[str, Any]:
    """Annotate the input with Ray Data actors, writing shards that a re-run skips.

    settings (AnnotateSettings): the run settings.
    n_actors (int): size of the actor pool (one pipeline per actor).
    address (Optional[str]): Ray cluster address ("auto" on a cluster node); None
        starts a local Ray unless one is already initialized.
    show_progress (bool): draw a progress bar.
    stall_timeout (float): seconds without any result after which the run stops (E320).
    RETURNS (Dict[str, Any]): the summary also written to summary.json.

    DOCS: docs/annotate.md#ray-engine
    """
    ray = import_ray()
    check_input(settings.input, settings.text_key, settings.id_key)
    if isinstance(n_actors, bool) or not isinstance(n_actors, int) or n_actors < 1:
        raise ValueError(Errors.E314.format(key="n_actors", value=n_actors, detail="must be a positive integer"))
    if isinstance(stall_timeout, bool) or not isinstance(stall_timeout, (int, float)) or not stall_timeout > 0:
        raise ValueError(Errors.E314.format(key="stall_timeout", value=stall_timeout, detail="must be positive"))
    out = OutputDir(settings.output)
    done = out.prepare(settings.output_settings())
    staging = out.path / STAGING_DIR
    staging.mkdir(exist_ok=True)
    progress = Progress(count_records(settings.input), show=show_progress)
    pending: Dict[int, _PendingShard] = {}
    for index, shard in shards_to_annotate(settings, done, progress):
        if not shard.records:
            out.write_shard(index, [], shard.errors, _docbin_bytes(settings, []))
            continue
        staged = staging / f"input-{index:06d}.parquet"
        if not staged.exists():  # a resumed run may have staged it already
            _stage(staged, index, shard.records)
        pending[index] = _PendingShard(shard.errors, len(shard.records), staged)
    # Every actor must load the same pipeline, so the driver picks the base name.
    spec, used = resolve_spec(settings.pipeline)
    if pending:
        started = not ray.is_initialized()
        if started:
            connect(ray, address)
        try:
            _run_actors(
                ray, dataclasses.replace(settings, pipeline=spec), n_actors, out, pending, progress, stall_timeout
            )
        finally:
            if started:
                ray.shutdown()
    shutil.rmtree(staging, ignore_errors=True)
    summary = progress.close()
    summary.update(
        engine="ray", n_actors=n_actors, pipeline=settings.pipeline, pipeline_loaded=used, output=str(settings.output)
    )
    return out.finish(summary)


def _run_actors(
    ray,
    settings: AnnotateSettings,
    n_actors: int,
    out: OutputDir,
    pending: Dict[int, _PendingShard],
    progress: Progress,
    stall_timeout: float,
) -> None:
    context = ray.data.DataContext.get_current()
    saved = context.enable_progress_bars
    try:
        _stream_results(ray, context, settings, n_actors, out, pending, progress, stall_timeout)
    finally:
        context.enable_progress_bars = saved
    for index, shard in sorted(pending.items()):
        raise RuntimeError(Errors.E316.format(shard=index, n_got=len(shard.rows), n_expected=shard.n_records))


def _stream_results(
    ray,
    context,
    settings: AnnotateSettings,
    n_actors: int,
    out: OutputDir,
    pending: Dict[int, _PendingShard],
    progress: Progress,
    stall_timeout: float,
) -> None:
    from ray.data import ActorPoolStrategy

    context.enable_progress_bars = False
    items = work_items(pending, settings.batch_size)
    dataset = ray.data.from_items(items, override_num_blocks=min(len(items), BLOCKS_PER_ACTOR * n_actors))
    dataset = dataset.map_batches(
        RayAnnotator,
        fn_constructor_kwargs={"settings": settings},
        batch_size=1,  # one item: one batch of records
        batch_format="numpy",
        compute=ActorPoolStrategy(size=n_actors),
        num_cpus=actor_cpus(ray.cluster_resources().get("CPU", 0), n_actors),
    )
    batches = dataset.iter_batches(batch_size=None, batch_format="pyarrow")
    n_records = sum(shard.n_records for shard in pending.values())
    try:
        for batch in within_timeout(batches, stall_timeout, lambda: _stalled(stall_timeout, pending, n_records)):
            for row in batch.to_pylist():
                shard = pending[row["shard"]]
                shard.rows.append(row)
                words = row["words"] if row["result"] is not None else 0
                progress.update(int(row["result"] is not None), words, int(row["error"] is not None))
                if len(shard.rows) == shard.n_records:
                    _write(out, settings, row["shard"], pending.pop(row["shard"]))
    except Exception as err:
        if str(err).startswith("[spacy_transfer."):
            raise
        # A node lost at the wrong moment surfaces as whatever Ray's internals hit (a KeyError for a lost object
        # reference, RayTaskError, ...): the run stops with a coded error, and the finished shards stay written.
        detail = f"{type(err).__name__}: {err}"[:500]
        n_done = _n_done(pending, n_records)
        raise RuntimeError(Errors.E321.format(detail=detail, n_done=n_done, n_total=n_records)) from err


def work_items(pending: Dict[int, _PendingShard], batch_size: int) -> List[Dict[str, Any]]:
    """List the work on the driver: one item per batch of records of each staged file.

    pending (Dict[int, _PendingShard]): the staged shards by index.
    batch_size (int): records per item.
    RETURNS (List[Dict[str, Any]]): items {"path", "start", "stop"} in shard order.
    """
    items = []
    for _, shard in sorted(pending.items()):
        for start in range(0, shard.n_records, batch_size):
            items.append({"path": str(shard.staged), "start": start, "stop": min(start + batch_size, shard.n_records)})
    return items


def within_timeout(iterable: Iterable[Any], timeout: float, on_timeout) -> Iterator[Any]:
    """Yield from an iterable that may block forever, raising once no item came for `timeout` seconds.

    The iterable runs in a daemon thread (a blocked Ray call cannot be interrupted), which the caller leaves
    behind on timeout; stopping Ray, or the process exiting, ends it.

    iterable (Iterable[Any]): the items.
    timeout (float): seconds to wait for each item.
    on_timeout (Callable[[], Exception]): builds the exception raised on timeout.
    YIELDS (Any): the items, in order.
    """
    items: "queue.Queue[Tuple[str, Any]]" = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(entry: Tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.5)
                return True
            except queue.Full:
                pass
        return False

    def pump() -> None:
        try:
            for item in iterable:
                if not put(("item", item)):
                    return
        except BaseException as err:  # handed to the consumer, which raises it
            put(("error", err))
        else:
            put(("end", None))

    threading.Thread(target=pump, name="within_timeout", daemon=True).start()
    try:
        while True:
            try:
                kind, value = items.get(timeout=timeout)
            except queue.Empty:
                raise on_timeout() from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def _n_done(pending: Dict[int, _PendingShard], n_records: int) -> int:
    """Records annotated so far, of the n_records the run started with."""
    return n_records - sum(shard.n_records - len(shard.rows) for shard in pending.values())


def _stalled(seconds: float, pending: Dict[int, _PendingShard], n_records: int) -> Exception:
    return RuntimeError(Errors.E320.format(seconds=seconds, n_done=_n_done(pending, n_records), n_total=n_records))


def actor_cpus(total_cpus: float, n_actors: int) -> float:
    """CPUs each actor asks Ray for: one, unless that would leave Ray Data none.

    Ray Data's own tasks (listing and reading, when a dataset comes from files) need a
    whole CPU; when the actors hold every CPU those tasks wait forever (seen with 2 actors
    on `ray.init(num_cpus=2)` while this engine read its staged files with read_parquet).
    The work list now comes from the driver, but the spare CPU costs nothing: Ray only
    counts CPUs, it does not pin them, so asking less does not slow an actor.

    total_cpus (float): CPUs in the cluster.
    n_actors (int): actors in the pool.
    RETURNS (float): CPUs per actor.
    """
    spare = total_cpus - 1.0
    if spare <= 0:
        raise ValueError(
            Errors.E314.format(
                key="n_actors", value=n_actors, detail=f"the Ray cluster has {total_cpus} CPUs; it needs at least 2"
            )
        )
    return min(1.0, spare / n_actors)


def _docbin_bytes(settings: AnnotateSettings, doc_bytes: List[bytes]) -> Optional[bytes]:
    if not settings.docbin:
        return None
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=True)
    for data in doc_bytes:
        docbin.merge(DocBin(store_user_data=True).from_bytes(data))
    return docbin.to_bytes()


def _write(out: OutputDir, settings: AnnotateSettings, index: int, shard: _PendingShard) -> None:
    rows = sorted(shard.rows, key=lambda row: row["line"])
    results = [row["result"] for row in rows if row["result"] is not None]
    errors = shard.errors + [json.loads(row["error"]) for row in rows if row["error"] is not None]
    docs = [row["doc"] for row in rows if row["result"] is not None]
    out.write_shard(index, results, errors, _docbin_bytes(settings, docs))
    shard.staged.unlink(missing_ok=True)
