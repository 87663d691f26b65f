"""Settings of an annotate run, shared by the engines and checked on resume."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Dict, Optional

from ..errors import Errors
from .extract import DEFAULT_COREF_PREFIX, DEFAULT_EMOTIONS_ATTR, doc_to_record

DEFAULT_MAX_LENGTH = 1_000_000  # spaCy's own default nlp.max_length
# Seconds without any result before a Ray run counts as stalled (E320): far above a batch or an actor's start, so
# that only a cluster that cannot make progress reaches it.
DEFAULT_STALL_TIMEOUT = 600.0


@dataclass
class AnnotateSettings:
    """What to annotate and how the output looks.

    pipeline (str): PIPELINE spec, e.g. "en_core_web_sm + neuralcoref".
    input (Path): JSONL file or Parquet file/directory.
    output (Path): output directory.
    text_key (str): key/column of the text.
    id_key (str): key/column of the id.
    shard_size (int): records per output shard.
    max_length (int): longest text accepted, in characters.
    coref_prefix (str): span-group prefix of coreference clusters.
    emotions_attr (str): Doc extension holding emotion scores.
    docbin (bool): also write `.spacy` DocBin shards.
    resolved (bool): add each doc's resolved text (coref mentions replaced).
    code (Optional[str]): Python file registering custom factories.
    batch_size (int): docs per `nlp.pipe` / Ray batch.
    """

    pipeline: str
    input: Path
    output: Path
    text_key: str = "text"
    id_key: str = "id"
    shard_size: int = 1000
    max_length: int = DEFAULT_MAX_LENGTH
    coref_prefix: str = DEFAULT_COREF_PREFIX
    emotions_attr: str = DEFAULT_EMOTIONS_ATTR
    docbin: bool = False
    resolved: bool = False
    code: Optional[str] = None
    batch_size: int = 64

    def __post_init__(self):
        self.input = Path(self.input)
        self.output = Path(self.output)
        for key in ("shard_size", "max_length", "batch_size"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(Errors.E314.format(key=key, value=value, detail="must be a positive integer"))

    def output_settings(self) -> Dict[str, Any]:
        """The settings that change the output: a resumed run must repeat them.

        The engine, process count and batch size are left out on purpose: they change
        speed, not results, so a run may be resumed with another engine.
        """
        # "resolved" only when set, so that runs started before the option existed resume.
        extra = {"resolved": True} if self.resolved else {}
        return {
            **extra,
            "pipeline": self.pipeline,
            "input": str(self.input.resolve()),
            "input_bytes": _input_bytes(self.input),
            "text_key": self.text_key,
            "id_key": self.id_key,
            "shard_size": self.shard_size,
            "max_length": self.max_length,
            "coref_prefix": self.coref_prefix,
            "emotions_attr": self.emotions_attr,
            "docbin": self.docbin,
            "code": str(Path(self.code).resolve()) if self.code else None,
        }

    def to_record(self):
        """RETURNS (Callable[[Doc, Any], dict]): the record builder for these settings."""
        return partial(
            doc_to_record, coref_prefix=self.coref_prefix, emotions_attr=self.emotions_attr, resolved=self.resolved
        )


def _input_bytes(path: Path) -> int:
    # The size catches an input that was replaced between a crash and the resume.
    if path.is_dir():
        return sum(p.stat().st_size for p in sorted(path.glob("*.parquet")))
    return path.stat().st_size if path.exists() else -1
