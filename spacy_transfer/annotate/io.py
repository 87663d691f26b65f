"""Streamed input, record validation, and atomic, resumable output shards.

Shards are fixed ranges of input lines (JSONL) or rows (Parquet): shard k holds records
k*shard_size+1 ... (k+1)*shard_size. Because the ranges depend only on the input, a
re-run finds the same shards and can skip those whose results file already exists.

Output directory layout:
    run.json                 settings of the run; a resume must match them
    results-000000.jsonl     one record per annotated doc, in input order
    docs-000000.spacy        optional DocBin of the same docs
    parts/errors-000000.jsonl  errors of one shard
    errors.jsonl             all errors, in input order (merged at the end)
    summary.json             counts and speed of the last run
"""

import codecs
import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from ..errors import Errors

RESULTS_PATTERN = "results-{:06d}.jsonl"
DOCBIN_PATTERN = "docs-{:06d}.spacy"
ERRORS_PATTERN = "errors-{:06d}.jsonl"


@dataclass
class Record:
    """One valid input record: its 1-based line/row number, id and text."""

    line: int
    doc_id: Any
    text: str


@dataclass
class Shard:
    """A fixed range of input records, split into valid records and error entries."""

    index: int
    records: List[Record] = field(default_factory=list)
    errors: List[Dict[str, Any]] = field(default_factory=list)
    n_input: int = 0


def error_entry(line: int, doc_id: Any, code: str, **details) -> Dict[str, Any]:
    """Build one errors.jsonl entry with the coded message as reason.

    line (int): 1-based line (JSONL) or row (Parquet) number of the record.
    doc_id (Any): the record id, or None if it could not be read.
    code (str): error code such as "E301"; its message is formatted with `details`.
    RETURNS (Dict[str, Any]): the entry.
    """
    entry = {"line": line, "id": doc_id, "code": code, "reason": getattr(Errors, code).format(line=line, **details)}
    if "component" in details:
        entry["component"] = details["component"]
    return entry


def input_format(path: Path) -> str:
    """Say whether a path is read as "jsonl" or "parquet".

    path (Path): input file, or a directory of Parquet files.
    RETURNS (str): "jsonl" or "parquet".
    """
    if path.is_dir():
        if any(path.glob("*.parquet")):
            return "parquet"
        raise ValueError(Errors.E308.format(path=path))
    if not path.is_file():
        raise ValueError(Errors.E300.format(path=path))
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson")):
        return "jsonl"
    raise ValueError(Errors.E308.format(path=path))


def check_input(path: Path, text_key: str, id_key: str) -> str:
    """Fail early on a missing input, an unknown format or missing Parquet columns.

    path (Path): the input.
    text_key (str): key/column of the text.
    id_key (str): key/column of the id.
    RETURNS (str): the input format, "jsonl" or "parquet".
    """
    fmt = input_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for part in _parquet_files(path):
            columns = pq.ParquetFile(part).schema_arrow.names
            for column in (id_key, text_key):
                if column not in columns:
                    raise ValueError(Errors.E309.format(path=part, column=column, columns=columns))
    return fmt


def _parquet_files(path: Path) -> List[Path]:
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


def count_records(path: Path) -> int:
    """Count the input records without parsing them (for the progress bar).

    path (Path): the input.
    RETURNS (int): the number of lines (JSONL) or rows (Parquet).
    """
    if input_format(path) == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in _parquet_files(path))
    n, last = 0, b"\n"
    with _open_jsonl(path) as file_:
        for chunk in iter(lambda: file_.read(1 << 20), b""):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    # A last line without a trailing newline still counts.
    return n if last == b"\n" else n + 1


def _open_jsonl(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _iter_raw(path: Path, text_key: str, id_key: str) -> Iterator[Tuple[int, Any]]:
    """Yield (line, raw) pairs: undecoded bytes for JSONL, a row dict for Parquet."""
    if input_format(path) == "jsonl":
        with _open_jsonl(path) as file_:
            for i, line in enumerate(file_, start=1):
                yield i, line
        return
    import pyarrow.parquet as pq

    i = 0
    for part in _parquet_files(path):
        parquet = pq.ParquetFile(part)
        columns = parquet.schema_arrow.names
        for column in (id_key, text_key):
            if column not in columns:
                raise ValueError(Errors.E309.format(path=part, column=column, columns=columns))
        # Small batches keep memory bounded whatever the row-group size.
        for batch in parquet.iter_batches(batch_size=1024, columns=[id_key, text_key]):
            for row in batch.to_pylist():
                i += 1
                yield i, row


def parse_raw(line: int, raw: Any, *, text_key: str, id_key: str, max_length: int) -> Union[Record, Dict[str, Any]]:
    """Validate one raw input item.

    line (int): its 1-based line/row number.
    raw (Any): the undecoded JSONL line (bytes) or Parquet row (dict).
    text_key (str): key of the text.
    id_key (str): key of the id.
    max_length (int): longest text accepted, in characters.
    RETURNS (Union[Record, Dict[str, Any]]): the record, or an errors.jsonl entry.
    """
    if isinstance(raw, bytes):
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]  # written by Windows tools; not part of the first record
        try:
            obj = json.loads(raw.decode("utf8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            return error_entry(line, None, "E301", detail=err)
        if not isinstance(obj, dict):
            return error_entry(line, None, "E302", type=type(obj).__name__, text_key=text_key)
    else:
        obj = raw
    doc_id = obj.get(id_key)
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        detail = "missing" if id_key not in obj else f"{doc_id!r}, not a string or integer"
        return error_entry(line, None, "E306", id_key=id_key, detail=detail)
    text = obj.get(text_key)
    if not isinstance(text, str):
        detail = "missing" if text_key not in obj else ("null" if text is None else f"of type {type(text).__name__}")
        return error_entry(line, doc_id, "E303", text_key=text_key, detail=detail)
    if len(text) > max_length:
        return error_entry(line, doc_id, "E304", n_chars=len(text), max_length=max_length)
    return Record(line=line, doc_id=doc_id, text=text)


def iter_shards(
    path: Path, shard_size: int, *, text_key: str, id_key: str, max_length: int, skip: Iterable[int] = ()
) -> Iterator[Tuple[int, int, Optional[Shard]]]:
    """Stream the input shard by shard, holding one shard in memory at a time.

    path (Path): the input.
    shard_size (int): records per shard.
    skip (Iterable[int]): shard indices already done; they are read but not parsed.
    YIELDS (Tuple[int, int, Optional[Shard]]): index, number of input items, and the
        parsed shard (None for skipped shards).
    """
    skip = set(skip)
    index, items = 0, []

    def flush(index, items):
        if index in skip:
            return index, len(items), None
        shard = Shard(index=index, n_input=len(items))
        for line, raw in items:
            if isinstance(raw, bytes) and not raw.strip():
                continue  # blank lines (often a trailing one) are not records
            parsed = parse_raw(line, raw, text_key=text_key, id_key=id_key, max_length=max_length)
            (shard.records if isinstance(parsed, Record) else shard.errors).append(parsed)
        return index, len(items), shard

    for line, raw in _iter_raw(path, text_key, id_key):
        if (line - 1) // shard_size != index:
            yield flush(index, items)
            index, items = (line - 1) // shard_size, []
        items.append((line, raw))
    if items:
        yield flush(index, items)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that it either exists whole or not at all (temp file + rename).

    path (Path): destination.
    data (bytes): content.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as file_:
        file_.write(data)
        file_.flush()
        os.fsync(file_.fileno())
    os.replace(tmp, path)


def jsonl_bytes(lines: Iterable[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf8")


class OutputDir:
    """The output directory of one annotate run: shard files, errors and run state."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.parts = self.path / "parts"

    def results_path(self, index: int) -> Path:
        return self.path / RESULTS_PATTERN.format(index)

    def docbin_path(self, index: int) -> Path:
        return self.path / DOCBIN_PATTERN.format(index)

    def errors_path(self, index: int) -> Path:
        return self.parts / ERRORS_PATTERN.format(index)

    def done_shards(self) -> List[int]:
        """Indices of finished shards: the results file is written last, so it marks them."""
        return sorted(int(p.name[8:14]) for p in self.path.glob("results-*.jsonl"))

    def prepare(self, settings: Dict[str, Any]) -> List[int]:
        """Create the directory, drop partial temp files and check a resumed run.

        settings (Dict[str, Any]): everything that changes the output.
        RETURNS (List[int]): indices of shards already done.
        """
        for folder in (self.path, *self.path.parents):
            if folder.exists() and not folder.is_dir():
                raise ValueError(Errors.E317.format(path=folder))
        self.parts.mkdir(parents=True, exist_ok=True)
        for folder in (self.path, self.parts):
            for tmp in folder.glob(".*.tmp-*"):
                tmp.unlink()
        run_file = self.path / "run.json"
        if run_file.exists():
            old = json.loads(run_file.read_text(encoding="utf8"))
            diff = [f"{key}: {old.get(key)!r} != {value!r}" for key, value in settings.items() if old.get(key) != value]
            if diff:
                raise ValueError(Errors.E312.format(path=self.path, detail="; ".join(diff)))
        else:
            atomic_write(run_file, json.dumps(settings, indent=2).encode("utf8"))
        return self.done_shards()

    def write_shard(
        self, index: int, results: List[str], errors: List[Dict[str, Any]], docbin: Optional[bytes] = None
    ) -> None:
        """Write one finished shard; the results file goes last as the "done" marker.

        index (int): shard index.
        results (List[str]): JSON lines of the annotated docs, in input order.
        errors (List[Dict[str, Any]]): error entries of the shard.
        docbin (Optional[bytes]): serialized DocBin, if requested.
        """
        if docbin is not None:
            atomic_write(self.docbin_path(index), docbin)
        errors = sorted(errors, key=lambda entry: entry["line"])
        atomic_write(self.errors_path(index), jsonl_bytes(json.dumps(e, ensure_ascii=False) for e in errors))
        atomic_write(self.results_path(index), jsonl_bytes(results))

    def finish(self, summary: Dict[str, Any]) -> Dict[str, Any]:
        """Merge the shard error files into errors.jsonl and write summary.json.

        summary (Dict[str, Any]): figures of this run; corpus totals are added.
        RETURNS (Dict[str, Any]): the summary written.
        """
        n_docs = n_errors = 0
        chunks = []
        for index in self.done_shards():
            with open(self.results_path(index), "rb") as file_:
                n_docs += sum(1 for _ in file_)
            part = self.errors_path(index).read_bytes()
            n_errors += part.count(b"\n")
            chunks.append(part)
        atomic_write(self.path / "errors.jsonl", b"".join(chunks))
        summary = dict(summary, total_docs=n_docs, total_errors=n_errors, total_shards=len(chunks))
        atomic_write(self.path / "summary.json", json.dumps(summary, indent=2).encode("utf8"))
        return summary
