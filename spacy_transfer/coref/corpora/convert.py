"""Convert CoNLL-2012 or e2e-coref JSON lines coreference data to .spacy files."""

from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from ...errors import Errors
from .conll import read_conll
from .jsonl import read_jsonl
from .records import (
    DEFAULT_CLUSTER_PREFIX,
    CorefRecord,
    check_duplicates,
    count_mentions,
    record_to_doc,
    split_record,
)

FORMATS = ("auto", "conll", "jsonl")
JSONL_SUFFIXES = (".jsonl", ".json")
CONLL_SUFFIXES = ("conll", ".key", ".response", ".gold_conll")


def detect_format(path: Path) -> Optional[str]:
    """Guess "conll" or "jsonl" from a file name; None if unknown."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(CONLL_SUFFIXES):
        return "conll"
    return None


def read_records(path: Union[str, Path], file_format: str = "auto") -> Iterator[CorefRecord]:
    """Read one file as CoNLL or JSON lines.

    path (Union[str, Path]): The file.
    file_format (str): "conll", "jsonl" or "auto" (by file name).
    YIELDS (CorefRecord): The documents.
    """
    path = Path(path)
    if file_format not in FORMATS:
        raise ValueError(Errors.E067.format(name="format", value=file_format, detail=f"use one of {FORMATS}"))
    if not path.exists():
        raise ValueError(Errors.E050.format(path=path))
    fmt = detect_format(path) if file_format == "auto" else file_format
    if fmt is None:
        raise ValueError(Errors.E051.format(path=path))
    yield from (read_conll(path) if fmt == "conll" else read_jsonl(path))


def input_files(path: Union[str, Path], file_format: str = "auto") -> List[Path]:
    """The files to convert: the path itself, or the files of a directory (with
    format "auto", only those whose format can be told from the name)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(Errors.E050.format(path=path))
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if file_format == "auto":
        files = [p for p in files if detect_format(p) is not None]
    if not files:
        raise ValueError(Errors.E072.format(path=path))
    return files


def read_ids(path: Union[str, Path]) -> List[str]:
    """Read a document id list: one id per line, blank lines ignored."""
    path = Path(path)
    if not path.exists():
        raise ValueError(Errors.E050.format(path=path))
    return [line.strip() for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


def convert_records(
    records: Iterable[CorefRecord],
    vocab: Vocab,
    *,
    n_sents: int = 0,
    on_duplicate: str = "error",
    span_prefix: str = DEFAULT_CLUSTER_PREFIX,
) -> Iterator:
    """Check records and turn them into gold Docs (see records.record_to_doc)."""
    for record in records:
        record = check_duplicates(record, on_duplicate)
        for chunk in split_record(record, n_sents):
            yield record_to_doc(vocab, chunk, span_prefix)


def convert_coref(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    *,
    file_format: str = "auto",
    n_sents: int = 0,
    ids: Optional[Sequence[str]] = None,
    on_duplicate: str = "error",
    span_prefix: str = DEFAULT_CLUSTER_PREFIX,
) -> Dict[str, Dict[str, int]]:
    """Convert coreference data to DocBin files.

    input_path (Union[str, Path]): A file, or a directory of files.
    output_path (Union[str, Path]): A `.spacy` file receiving all documents, or a
        directory receiving one `<input stem>.spacy` per input file.
    file_format (str): "conll", "jsonl" or "auto" (by file name).
    n_sents (int): Split documents into chunks of this many sentences (0: whole
        documents / CoNLL parts).
    ids (Optional[Sequence[str]]): Keep only documents with these doc keys (e.g. a
        LitBank split); an id that is not found raises E064.
    on_duplicate (str): "error" or "first", see records.check_duplicates.
    span_prefix (str): Prefix of the cluster span groups.
    RETURNS (Dict[str, Dict[str, int]]): Counts (docs, tokens, mentions, clusters)
        per output file.
    """
    if n_sents < 0:
        raise ValueError(Errors.E067.format(name="n_sents", value=n_sents, detail="must be >= 0"))
    output_path = Path(output_path)
    files = input_files(input_path, file_format)
    wanted = set(ids) if ids is not None else None
    found = set()
    vocab = Vocab()
    single = output_path.suffix == ".spacy"
    groups: Dict[Path, List] = {}
    for path in files:
        records = read_records(path, file_format)
        if wanted is not None:
            records = (r for r in records if r.doc_key in wanted and not found.add(r.doc_key))
        docs = list(
            convert_records(
                records,
                vocab,
                n_sents=n_sents,
                on_duplicate=on_duplicate,
                span_prefix=span_prefix,
            )
        )
        target = output_path if single else output_path / f"{path.stem}.spacy"
        groups.setdefault(target, []).extend(docs)
    if wanted is not None and found != wanted:
        missing = sorted(wanted - found)
        raise ValueError(Errors.E064.format(n=len(missing), path=input_path, missing=missing[:10]))
    stats = {}
    for target, docs in groups.items():
        if not docs:
            raise ValueError(Errors.E072.format(path=input_path))
        target.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=docs, store_user_data=True).to_disk(target)
        stats[str(target)] = count_mentions(docs, span_prefix)
    return stats
