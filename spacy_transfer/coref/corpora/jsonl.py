"""Read e2e-coref style JSON lines into CorefRecords.

One JSON object per line (Lee et al. 2017's layout, also used by LitBank's and GUM's
converted files): `doc_key` (str), `sentences` (list of lists of words), `clusters`
(list of clusters, each a list of `[start, end]` inclusive token offsets over the
flattened sentences) and optionally `speakers` (same shape as `sentences`). Other
fields (`split`, `genre`, ...) are ignored. Blank lines are skipped.
"""

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Union

from ...errors import Errors
from .records import CorefRecord, TokenSpan


def _field_error(path: str, line: int, doc: str, field: str, detail: str) -> ValueError:
    """E059: a record's field has the wrong type or is missing."""
    return ValueError(Errors.E059.format(path=path, line=line, doc=doc, field=field, detail=detail))


def _speakers_error(path: str, line: int, doc: str, detail: str) -> ValueError:
    """E061: a record's speakers do not have the shape of its sentences."""
    return ValueError(Errors.E061.format(path=path, line=line, doc=doc, detail=detail))


def _check_sentences(obj: Dict[str, Any], path: str, lineno: int, doc: str) -> List[List[str]]:
    sentences = obj.get("sentences")
    if not isinstance(sentences, list) or not all(
        isinstance(s, list) and all(isinstance(w, str) and w for w in s) for s in sentences
    ):
        raise _field_error(path, lineno, doc, "sentences", "expected a list of lists of non-empty strings")
    sentences = [s for s in sentences if s]
    if not sentences:
        raise ValueError(Errors.E065.format(path=path, line=lineno, doc=doc))
    return sentences


def _check_clusters(obj: Dict[str, Any], path: str, lineno: int, doc: str, n_tokens: int) -> List[List[TokenSpan]]:
    clusters = obj.get("clusters")
    if not isinstance(clusters, list) or not all(isinstance(c, list) for c in clusters):
        raise _field_error(path, lineno, doc, "clusters", "expected a list of clusters, each a list of [start, end]")
    result = []
    for ci, cluster in enumerate(clusters):
        spans = []
        for mention in cluster:
            ok_shape = (
                isinstance(mention, (list, tuple))
                and len(mention) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in mention)
            )
            if not ok_shape:
                detail = "a mention must be [start, end] with two integers"
            elif not 0 <= mention[0] <= mention[1] < n_tokens:
                detail = "offsets out of range or start > end"
            else:
                spans.append((mention[0], mention[1]))
                continue
            raise ValueError(
                Errors.E060.format(
                    path=path, line=lineno, doc=doc, mention=mention, cluster=ci, detail=detail, n_tokens=n_tokens
                )
            )
        if spans:
            result.append(sorted(spans))
    return result


def _check_speakers(obj: Dict[str, Any], sentences: List[List[str]], path: str, lineno: int, doc: str):
    speakers = obj.get("speakers")
    if speakers is None:
        return None
    if not isinstance(speakers, list):
        raise _speakers_error(path, lineno, doc, "it is not a list")
    speakers = [s for s in speakers if s != []]
    if len(speakers) != len(sentences):
        raise _speakers_error(path, lineno, doc, f"found {len(speakers)} lists for {len(sentences)} sentences")
    for i, (spk, sent) in enumerate(zip(speakers, sentences)):
        if not isinstance(spk, list) or len(spk) != len(sent) or not all(isinstance(x, str) for x in spk):
            raise _speakers_error(
                path, lineno, doc, f"sentence {i} has {len(sent)} tokens but its speakers are {spk!r}"[:300]
            )
    return speakers


def read_jsonl(path: Union[str, Path]) -> Iterator[CorefRecord]:
    """Read an e2e-coref JSON lines file.

    path (Union[str, Path]): The file.
    YIELDS (CorefRecord): One record per line.
    """
    path_str = str(path)
    with open(path, encoding="utf8") as file_:
        for lineno, line in enumerate(file_, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(Errors.E058.format(path=path_str, line=lineno, detail=err)) from None
            if not isinstance(obj, dict):
                raise ValueError(Errors.E058.format(path=path_str, line=lineno, detail=f"found {type(obj).__name__}"))
            doc_key = obj.get("doc_key")
            if not isinstance(doc_key, str) or not doc_key:
                raise _field_error(path_str, lineno, "?", "doc_key", "expected a non-empty string")
            sentences = _check_sentences(obj, path_str, lineno, doc_key)
            n_tokens = sum(len(s) for s in sentences)
            clusters = _check_clusters(obj, path_str, lineno, doc_key, n_tokens)
            speakers = _check_speakers(obj, sentences, path_str, lineno, doc_key)
            yield CorefRecord(
                doc_key=doc_key,
                part=0,
                sentences=sentences,
                clusters=clusters,
                speakers=speakers,
                path=path_str,
                line=lineno,
            )
