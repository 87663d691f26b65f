"""Annotate a stream of records with `nlp.pipe`, so that no record is ever lost.

When a component raises, spaCy's error handler is called with the failing batch and
`nlp.pipe` goes on without those docs. We drop the batch there (the handler must be a
plain function: it travels to `n_process` workers) and run each of its docs again, alone
and component by component, in this process: docs that are fine get annotated, and the
one that breaks gets an errors.jsonl entry naming the component. Both engines use this
module, so they produce the same records.
"""

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import raise_error

from .extract import dumps
from .io import Record, Shard, error_entry, iter_shards
from .progress import Progress
from .settings import AnnotateSettings


def skip_failed_batch(proc_name: str, proc: Any, docs: Any, err: Exception) -> None:
    """spaCy error handler that drops a failing batch; its docs are retried one by one."""
    return None


@dataclass
class Annotated:
    """The outcome for one record: a JSON line, or an error entry; and the doc if any."""

    record: Record
    context: Any
    line: Optional[str] = None
    error: Optional[Dict[str, Any]] = None
    doc: Optional[Doc] = None
    n_words: int = 0


def prepare_pipeline(nlp: Language, max_length: int) -> Language:
    """Set up a pipeline for batch annotation.

    nlp (Language): the pipeline.
    max_length (int): longest accepted text; longer ones were already sent to errors,
        so spaCy's own (lower) limit must not stop the run.
    RETURNS (Language): the same pipeline.
    """
    nlp.max_length = max(nlp.max_length, max_length + 1)
    # Not nlp.set_error_handler: it stops at the first pipe that cannot store a handler.
    nlp.default_error_handler = skip_failed_batch
    for _, proc in nlp.pipeline:
        _set_handler(proc, skip_failed_batch)
    return nlp


def _set_handler(proc: Any, handler: Callable) -> None:
    try:
        proc.set_error_handler(handler)
    except AttributeError:
        # Cython pipes (parser, ner) have no attribute to hold a handler; they always
        # raise, which annotate_stream handles by restarting nlp.pipe.
        pass


# Builds the output record of a doc: extract.doc_to_record with the run's options.
ToRecord = Callable[[Doc, Any], Dict[str, Any]]


def _finish(doc: Doc, record: Record, context: Any, to_record: ToRecord) -> Annotated:
    try:
        line = dumps(to_record(doc, record.doc_id))
    except (TypeError, ValueError) as err:
        return Annotated(record, context, error=error_entry(record.line, record.doc_id, "E307", detail=err))
    return Annotated(record, context, line=line, doc=doc, n_words=len(doc))


def annotate_alone(nlp: Language, record: Record, context: Any, to_record: ToRecord) -> Annotated:
    """Annotate one record outside `nlp.pipe`, one component at a time.

    nlp (Language): the pipeline (prepared with `prepare_pipeline`).
    record (Record): the record.
    context (Any): passed through to the result.
    to_record (ToRecord): builds the output record of a doc.
    RETURNS (Annotated): the record's result or its error entry.
    """
    component = "tokenizer"
    try:
        doc = nlp.make_doc(record.text)
        for component, proc in nlp.pipeline:
            # The batch handler would swallow the error we want to report.
            _set_handler(proc, raise_error)
            try:
                doc = proc(doc)
            finally:
                _set_handler(proc, skip_failed_batch)
    except Exception as err:
        return Annotated(
            record,
            context,
            error=error_entry(
                record.line, record.doc_id, "E305", component=component, exc_type=type(err).__name__, detail=err
            ),
        )
    return _finish(doc, record, context, to_record)


def annotate_stream(
    nlp: Language, items: Iterable[Tuple[Record, Any]], *, n_process: int = 1, batch_size: int = 64, to_record: ToRecord
) -> Iterator[Annotated]:
    """Annotate records in input order; every record yields exactly one result.

    nlp (Language): the pipeline (prepared with `prepare_pipeline`).
    items (Iterable[Tuple[Record, Any]]): records with a context passed through.
    n_process (int): worker processes for `nlp.pipe`.
    batch_size (int): docs per batch.
    to_record (ToRecord): builds the output record of a doc.
    YIELDS (Annotated): one result per record, in input order.
    """
    # Records handed to nlp.pipe but not returned yet; nlp.pipe keeps input order, so
    # any record older than the doc that comes back was dropped by the error handler.
    waiting: Deque[Tuple[int, Record, Any]] = deque()
    input_errors = []

    def texts() -> Iterator[Tuple[str, int]]:
        try:
            for seq, (record, context) in enumerate(items):
                waiting.append((seq, record, context))
                yield record.text, seq
        except Exception as err:
            # Kept apart so that a broken input is not mistaken for a failing component.
            input_errors.append(err)

    source = texts()
    while True:
        docs = nlp.pipe(source, as_tuples=True, n_process=n_process, batch_size=batch_size)
        failed = False
        try:
            for doc, seq in docs:
                while waiting[0][0] < seq:
                    _, record, context = waiting.popleft()
                    yield annotate_alone(nlp, record, context, to_record)
                _, record, context = waiting.popleft()
                yield _finish(doc, record, context, to_record)
        except Exception:
            # A pipe without an error handler raised and ended nlp.pipe. The records
            # it held are retried alone below; nlp.pipe then restarts on the rest of
            # the input, which `source` has not given out yet.
            failed = True
        while waiting:
            _, record, context = waiting.popleft()
            yield annotate_alone(nlp, record, context, to_record)
        if input_errors:
            raise input_errors[0]
        if not failed:
            break


def shards_to_annotate(
    settings: AnnotateSettings, done: Iterable[int], progress: Progress
) -> Iterator[Tuple[int, Shard]]:
    """The input's shards that an earlier run did not finish, as (index, shard). The progress bar counts, for
    both engines alike, the records of finished shards, the records rejected while reading and blank lines.

    done (Iterable[int]): indices of the shards already written.
    """
    for index, n_input, shard in iter_shards(
        settings.input,
        settings.shard_size,
        text_key=settings.text_key,
        id_key=settings.id_key,
        max_length=settings.max_length,
        skip=done,
    ):
        if shard is None:
            progress.skip(n_input)
            continue
        progress.update(0, 0, len(shard.errors))
        progress.advance(n_input - len(shard.records) - len(shard.errors))
        yield index, shard
