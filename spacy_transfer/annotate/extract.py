"""Turn an annotated Doc into one JSON-safe output record.

Extraction is generic, so any pipeline works: coref clusters come from the span groups
`doc.spans["<prefix>_<n>"]` (neuralcoref and spacy-experimental's coref both write them),
categories from `doc.cats`, emotions from `doc._.emotions` when some component registered
that extension. Both engines call `doc_to_record`, which is what makes their output equal.
"""

import json
import math
from typing import Any, Dict

from spacy.tokens import Doc

from ..coref.clusters import DEFAULT_CLUSTER_PREFIX, char_clusters
from ..coref.resolve import resolved_text

DEFAULT_COREF_PREFIX = DEFAULT_CLUSTER_PREFIX
DEFAULT_EMOTIONS_ATTR = "emotions"


def to_json_safe(value: Any) -> Any:
    """Convert numpy scalars/arrays and containers into plain JSON values.

    value (Any): the value to convert.
    RETURNS (Any): a value `json.dumps` accepts unchanged.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite float {value!r}")
        return value
    if isinstance(value, dict):
        return {str(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(item) for item in value]
    # numpy/cupy values without importing numpy here: scalars have .item(), arrays .tolist()
    if hasattr(value, "tolist"):
        return to_json_safe(value.tolist())
    if hasattr(value, "item"):
        return to_json_safe(value.item())
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def doc_to_record(
    doc: Doc,
    doc_id: Any,
    *,
    coref_prefix: str = DEFAULT_COREF_PREFIX,
    emotions_attr: str = DEFAULT_EMOTIONS_ATTR,
    resolved: bool = False,
) -> Dict[str, Any]:
    """Build the output record of one doc.

    doc (Doc): the annotated doc.
    doc_id (Any): the record's id from the input.
    coref_prefix (str): span-group prefix of coreference clusters.
    emotions_attr (str): name of the Doc extension holding emotion scores.
    resolved (bool): add "resolved", the text with mentions replaced (docs/coref.md).
    RETURNS (Dict[str, Any]): {"id", "words"} plus "coref", "cats" and "emotions" when
        the doc has them, and "resolved" when asked for.

    DOCS: docs/annotate.md#output
    """
    record: Dict[str, Any] = {"id": doc_id, "words": len(doc)}
    clusters = char_clusters(doc, coref_prefix)
    if clusters:
        record["coref"] = clusters
    if resolved:
        record["resolved"] = resolved_text(doc, coref_prefix)
    if doc.cats:
        record["cats"] = {label: to_json_safe(score) for label, score in doc.cats.items()}
    if Doc.has_extension(emotions_attr):
        emotions = getattr(doc._, emotions_attr)
        if emotions is not None:
            record["emotions"] = to_json_safe(emotions)
    return record


def dumps(record: Dict[str, Any]) -> str:
    """Serialize a record as one JSONL line (no newline), identically in every engine."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False)
