"""Readers and writers for fastText files, in numpy only.

Formats read:
- official `.bin` (fastText 0.9, file format version 11/12): header, args, dictionary, input matrix. The input
  matrix is memory-mapped from the file, never read whole. Quantized models (`.ftz`) are refused.
- official `.vec`: text, "<n_words> <dim>" then "word v1 ... v_dim" per line (no subword information).
- our compact export directory (`init-fasttext`): `fasttext.json`, `words.txt`, `word_vectors.npy`,
  `buckets.npy` and, if pruned, `bucket_ids.npy`; the .npy arrays are memory-mapped. The package ships one
  (`data/gutenberg-en`), which a path names by its folder name.

Layout of `.bin` (fastText src/fasttext.cc, args.cc, dictionary.cc, densematrix.cc):
  int32 magic 793712314, int32 version
  args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate; float64 t
  dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size;
              size x (word bytes, b"\\0", int64 count, int8 type); pruneidx_size x (int32, int32)
  bool quant_input; dense matrix: int64 rows, int64 cols, rows*cols float32 (rows = nwords + bucket)
  bool qout; output matrix (not needed for word vectors)
"""

import json
import mmap
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from ..errors import Errors
from ..util import packaged_names, resolve_packaged
from .bucket_index import BucketIndex

FASTTEXT_MAGIC = 793712314
FASTTEXT_VERSIONS = (11, 12)
EXPORT_FORMAT = "spacy_transfer.fasttext_vectors"
EXPORT_VERSION = 1
META_FILE = "fasttext.json"
WORDS_FILE = "words.txt"
WORD_VECTORS_FILE = "word_vectors.npy"
BUCKETS_FILE = "buckets.npy"
BUCKET_IDS_FILE = "bucket_ids.npy"
DATA_DIR = Path(__file__).parent / "data"
ARG_NAMES = (
    "dim",
    "ws",
    "epoch",
    "min_count",
    "neg",
    "word_ngrams",
    "loss",
    "model",
    "bucket",
    "minn",
    "maxn",
    "lr_update_rate",
)
META_INT_KEYS = ("n_words", "dim", "n_buckets", "bucket", "minn", "maxn")
MODEL_SUPERVISED = 3  # fastText's model_name::sup


@dataclass
class FastTextModel:
    """What is needed for word vectors, read from a `.bin`, `.vec` or export directory.

    words (List[str]): the vocabulary, in the file's order (by descending count for `.bin`).
    counts (np.ndarray): int64 counts per word (zeros when unknown).
    word_rows (np.ndarray): one row per word: the raw input row (`.bin`), or the final word vector (`.vec`, export).
    bucket_rows (Optional[np.ndarray]): the n-gram bucket table, or None without subword information.
    precomputed (bool): True when `word_rows` already hold final word vectors.
    bucket_index (Optional[BucketIndex]): where the kept bucket ids are in `bucket_rows` (pruned export), else None.
    input_matrix (Optional[np.ndarray]): the whole input matrix of a `.bin` (word rows, then bucket rows).
    """

    path: Path
    dim: int
    minn: int
    maxn: int
    bucket: int
    words: List[str]
    counts: np.ndarray
    word_rows: np.ndarray
    bucket_rows: Optional[np.ndarray]
    precomputed: bool
    bucket_index: BucketIndex | None = None
    input_matrix: Optional[np.ndarray] = None
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def has_subwords(self) -> bool:
        return self.bucket_rows is not None and self.bucket > 0 and self.maxn > 0

    @property
    def bucket_ids(self) -> np.ndarray | None:
        """The sorted original bucket ids kept in `bucket_rows` (pruned export), else None."""
        return None if self.bucket_index is None else self.bucket_index.ids()


def packaged_vectors() -> List[str]:
    """Names of the vector directories shipped in the package (usable as a `path`)."""
    return packaged_names(DATA_DIR, META_FILE)


def resolve_vectors_path(path: Union[str, Path]) -> Path:
    """The file or directory that `path` names: a packaged vectors name ("gutenberg-en"), else an existing path.

    RETURNS (Path): an existing path.
    """
    found = resolve_packaged(path, DATA_DIR, META_FILE)
    if found is not None:
        return found
    raise FileNotFoundError(Errors.E100.format(path=path, packaged=", ".join(packaged_vectors()) or "none"))


def load_fasttext(path: Union[str, Path]) -> FastTextModel:
    """Read a fastText `.bin`, a `.vec`, an `init-fasttext` directory or a packaged vectors name.

    path (Union[str, Path]): the file, directory or name.
    RETURNS (FastTextModel): the vocabulary and memory-mapped matrices.
    """
    path = resolve_vectors_path(path)
    if path.is_dir():
        return read_export(path)
    with path.open("rb") as f:
        head = f.read(8)
    if len(head) >= 4 and struct.unpack("<i", head[:4])[0] == FASTTEXT_MAGIC:
        return read_bin(path)
    if path.suffix in (".vec", ".txt"):
        return read_vec(path)
    raise ValueError(Errors.E101.format(path=path, magic=head[:4].hex()))


class _Cursor:
    """Sequential reader over a memory map that reports truncation with the file name."""

    def __init__(self, buf: mmap.mmap, path: Path):
        self.buf = buf
        self.path = path
        self.pos = 0

    def take(self, fmt: str, what: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ValueError(Errors.E103.format(path=self.path, what=what, offset=self.pos, size=len(self.buf)))
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values


def read_bin(path: Union[str, Path]) -> FastTextModel:
    """Read an official fastText `.bin` model, memory-mapping its input matrix.

    path (Union[str, Path]): the `.bin` file.
    RETURNS (FastTextModel): the model; `word_rows`/`bucket_rows` are views of one np.memmap.
    """
    path = Path(path)
    with path.open("rb") as f:
        if path.stat().st_size == 0:
            raise ValueError(Errors.E103.format(path=path, what="header", offset=0, size=0))
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        cur = _Cursor(buf, path)
        magic, version = cur.take("<ii", "header")
        if magic != FASTTEXT_MAGIC:
            raise ValueError(Errors.E101.format(path=path, magic=struct.pack("<i", magic).hex()))
        if version not in FASTTEXT_VERSIONS:
            raise ValueError(Errors.E102.format(path=path, version=version, known=FASTTEXT_VERSIONS))
        args = dict(zip(ARG_NAMES, cur.take("<12i", "args")))
        (args["t"],) = cur.take("<d", "args")
        if version == 11 and args["model"] == MODEL_SUPERVISED:
            args["maxn"] = 0  # as fastText: old supervised models have no character n-grams
        size, nwords, nlabels = cur.take("<3i", "dictionary header")
        ntokens, pruneidx_size = cur.take("<2q", "dictionary header")
        if not (0 <= nwords <= size and nlabels >= 0 and nwords + nlabels == size and args["dim"] > 0):
            raise ValueError(
                Errors.E112.format(
                    path=path, detail=f"size={size}, nwords={nwords}, " f"nlabels={nlabels}, dim={args['dim']}"
                )
            )
        words: List[str] = []
        counts = np.zeros(nwords, dtype=np.int64)
        find = buf.find
        pos = cur.pos
        for i in range(size):
            end = find(b"\0", pos)
            if end < 0 or end + 10 > len(buf):
                raise ValueError(
                    Errors.E103.format(path=path, what=f"dictionary entry {i} of {size}", offset=pos, size=len(buf))
                )
            count, entry_type = struct.unpack_from("<qb", buf, end + 1)
            if i < nwords:
                if entry_type != 0:
                    raise ValueError(Errors.E112.format(path=path, detail=f"entry {i} is a label among words"))
                words.append(buf[pos:end].decode("utf8", errors="surrogateescape"))
                counts[i] = count
            pos = end + 10
        cur.pos = pos
        if pruneidx_size > 0:
            cur.take(f"<{2 * pruneidx_size}i", "pruned n-gram index")
        (quant_input,) = cur.take("<?", "quantization flag")
        if quant_input or pruneidx_size >= 0:
            raise ValueError(Errors.E104.format(path=path))
        rows, cols = cur.take("<2q", "input matrix shape")
        if cols != args["dim"] or rows != nwords + args["bucket"]:
            raise ValueError(
                Errors.E112.format(
                    path=path,
                    detail=f"input matrix is {rows}x{cols}, expected " f"{nwords + args['bucket']}x{args['dim']}",
                )
            )
        offset = cur.pos
        needed = offset + rows * cols * 4
        if needed > len(buf):
            raise ValueError(
                Errors.E103.format(
                    path=path, what=f"input matrix ({rows}x{cols} float32)", offset=offset, size=len(buf)
                )
            )
    finally:
        buf.close()
    matrix = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(rows, cols))
    meta = {"source": str(path), "version": version, "ntokens": ntokens, "matrix_offset": offset, **args}
    return FastTextModel(
        path=path,
        dim=args["dim"],
        minn=args["minn"],
        maxn=args["maxn"],
        bucket=args["bucket"],
        words=words,
        counts=counts,
        word_rows=matrix[:nwords],
        bucket_rows=matrix[nwords:],
        precomputed=False,
        input_matrix=matrix,
        meta=meta,
    )


def read_vec(path: Union[str, Path]) -> FastTextModel:
    """Read a `.vec` text file. Text cannot be memory-mapped: the table is parsed into RAM (use `init-fasttext`
    to turn it into a memory-mappable directory). Words outside the file get no vector.

    path (Union[str, Path]): the `.vec` file.
    RETURNS (FastTextModel): the model without subword buckets.
    """
    path = Path(path)
    with path.open("r", encoding="utf8", errors="surrogateescape") as f:
        header = f.readline().split()
        if len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(
                Errors.E105.format(path=path, line=1, detail=f"header {' '.join(header)!r} is not " "'<n_words> <dim>'")
            )
        n, dim = int(header[0]), int(header[1])
        table = np.zeros((n, dim), dtype=np.float32)
        words: List[str] = []
        for i, line in enumerate(f):
            if i >= n:
                raise ValueError(Errors.E105.format(path=path, line=i + 2, detail=f"more than {n} rows"))
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if len(parts) != dim + 1:
                raise ValueError(
                    Errors.E105.format(path=path, line=i + 2, detail=f"{len(parts) - 1} values, " f"expected {dim}")
                )
            words.append(parts[0])
            try:
                table[i] = np.asarray(parts[1:], dtype=np.float32)
            except ValueError as err:
                raise ValueError(Errors.E105.format(path=path, line=i + 2, detail=str(err))) from None
    if len(words) != n:
        raise ValueError(
            Errors.E103.format(path=path, what=f"row {len(words) + 1} of {n}", offset="end", size=path.stat().st_size)
        )
    return FastTextModel(
        path=path,
        dim=dim,
        minn=0,
        maxn=0,
        bucket=0,
        words=words,
        counts=np.zeros(n, dtype=np.int64),
        word_rows=table,
        bucket_rows=None,
        precomputed=True,
        meta={"source": str(path)},
    )


def write_export(
    out_dir: Union[str, Path],
    meta: Dict[str, Any],
    words: List[str],
    counts: np.ndarray,
    word_vectors: np.ndarray,
    buckets: Optional[np.ndarray],
    bucket_ids: Optional[np.ndarray],
) -> Path:
    """Write a compact, memory-mappable vectors directory (see `read_export`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for word in words:
        if not word or any(c in word for c in "\n\r"):
            raise ValueError(Errors.E106.format(path=out_dir, detail=f"word {word!r} cannot be stored one per line"))
    meta = {
        **meta,
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "n_words": len(words),
        "dim": int(word_vectors.shape[1]),
        "dtype": str(word_vectors.dtype),
        "n_buckets": 0 if buckets is None else int(buckets.shape[0]),
        "pruned": bucket_ids is not None,
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf8")
    (out_dir / WORDS_FILE).write_text(
        "".join(f"{w}\t{int(c)}\n" for w, c in zip(words, counts)), encoding="utf8", errors="surrogateescape"
    )
    np.save(out_dir / WORD_VECTORS_FILE, word_vectors)
    for name in (BUCKETS_FILE, BUCKET_IDS_FILE):
        (out_dir / name).unlink(missing_ok=True)
    if buckets is not None:
        np.save(out_dir / BUCKETS_FILE, buckets)
    if bucket_ids is not None:
        np.save(out_dir / BUCKET_IDS_FILE, bucket_ids.astype(np.int32))
    return out_dir


def read_export(path: Union[str, Path]) -> FastTextModel:
    """Read an `init-fasttext` directory, memory-mapping its arrays.

    path (Union[str, Path]): the directory.
    RETURNS (FastTextModel): the model with precomputed word vectors.
    """
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.exists():
        raise ValueError(
            Errors.E106.format(
                path=path,
                detail=f"no {META_FILE}; create the directory with "
                "`python -m spacy_transfer init-fasttext MODEL.bin OUT_DIR`",
            )
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(Errors.E113.format(path=meta_path, detail=f"not valid JSON ({err})")) from None
    if not isinstance(meta, dict):
        raise ValueError(Errors.E113.format(path=meta_path, detail="not a JSON object"))
    if meta.get("format") != EXPORT_FORMAT or meta.get("format_version") != EXPORT_VERSION:
        raise ValueError(
            Errors.E106.format(
                path=path, detail=f"unknown format {meta.get('format')!r} " f"version {meta.get('format_version')!r}"
            )
        )
    missing = [key for key in META_INT_KEYS if not isinstance(meta.get(key), int)]
    if missing:
        raise ValueError(Errors.E113.format(path=meta_path, detail=f"no integer {', '.join(missing)}"))
    word_vectors = _load_npy(path / WORD_VECTORS_FILE)
    buckets = _load_npy(path / BUCKETS_FILE) if meta["n_buckets"] else None
    # memory-mapped: read once into the compact index, then unmapped (not kept as 4 bytes per kept bucket)
    bucket_ids = _load_npy(path / BUCKET_IDS_FILE) if meta.get("pruned") else None
    try:
        lines = (path / WORDS_FILE).read_text(encoding="utf8", errors="surrogateescape").split("\n")
    except OSError as err:
        raise ValueError(Errors.E113.format(path=path / WORDS_FILE, detail=str(err))) from None
    words, counts = _parse_words(lines, path / WORDS_FILE)
    if len(words) != meta["n_words"]:
        detail = f"{len(words)} words, but {META_FILE} says {meta['n_words']} (cut short?)"
        raise ValueError(Errors.E113.format(path=path / WORDS_FILE, detail=detail))
    expected = (meta["n_words"], meta["dim"])
    problems = []
    if word_vectors.shape != expected:
        problems.append(f"word vectors {word_vectors.shape}, expected {expected}")
    if buckets is not None and buckets.shape != (meta["n_buckets"], meta["dim"]):
        problems.append(f"buckets {buckets.shape}, expected {(meta['n_buckets'], meta['dim'])}")
    if bucket_ids is not None and buckets is not None and bucket_ids.shape != (buckets.shape[0],):
        problems.append(f"{bucket_ids.shape[0]} bucket ids for {buckets.shape[0]} buckets")
    elif bucket_ids is not None and not _sorted_ids_below(bucket_ids, meta["bucket"]):
        problems.append(f"bucket ids are not sorted, unique and in [0, {meta['bucket']})")
    if problems:
        raise ValueError(Errors.E106.format(path=path, detail="; ".join(problems)))
    bucket_index = None if bucket_ids is None else BucketIndex(bucket_ids, meta["bucket"])
    del bucket_ids
    return FastTextModel(
        path=path,
        dim=meta["dim"],
        minn=meta["minn"],
        maxn=meta["maxn"],
        bucket=meta["bucket"],
        words=words,
        counts=counts,
        word_rows=word_vectors,
        bucket_rows=buckets,
        precomputed=True,
        bucket_index=bucket_index,
        meta=meta,
    )


def _load_npy(path: Path) -> np.ndarray:
    """Memory-map one .npy file of an export directory; a missing or cut-off file raises E113."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(Errors.E113.format(path=path, detail=str(err))) from None


def _parse_words(lines: List[str], path: Path) -> "tuple[List[str], np.ndarray]":
    """Words and counts from the lines of words.txt ("word<TAB>count"); a cut-off line raises E113."""
    words: List[str] = []
    counts: List[int] = []
    for i, line in enumerate(lines, start=1):
        if not line:
            continue
        word, tab, count = line.rpartition("\t")
        if not tab or not word or not count.isdigit():
            raise ValueError(Errors.E113.format(path=path, detail=f"line {i} is {line[:80]!r}, not 'word<TAB>count'"))
        words.append(word)
        counts.append(int(count))
    return words, np.asarray(counts, dtype=np.int64)


def _sorted_ids_below(ids: np.ndarray, bucket: int) -> bool:
    return len(ids) == 0 or (int(ids[0]) >= 0 and int(ids[-1]) < bucket and bool(np.all(np.diff(ids) > 0)))


def copy_export(src: Union[str, Path], dest: Union[str, Path]) -> None:
    """Copy an export directory's files (used by the component's to_disk)."""
    src, dest = Path(src), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in (META_FILE, WORDS_FILE, WORD_VECTORS_FILE, BUCKETS_FILE, BUCKET_IDS_FILE):
        if (src / name).exists():
            shutil.copyfile(src / name, dest / name)
