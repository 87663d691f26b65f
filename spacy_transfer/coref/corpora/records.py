"""Coreference documents: the record both converters produce, and Doc building.

A gold coref Doc keeps its clusters in `doc.spans[f"{prefix}_{i}"]`, numbered from
1 (spacy-experimental's layout, also what the neuralcoref component predicts),
sentence starts in `token.is_sent_start`, and in `doc.user_data`:

- `"coref_doc_key"` (str): the document name (CoNLL `#begin document (NAME)` or the
  JSON `doc_key`);
- `"coref_part"` (int): the CoNLL part number (0 for JSON lines);
- `"coref_speakers"` (List[str], optional): one speaker per token; the same values
  are also stored as the token extension `token._.speaker` (read by neuralcoref's
  speaker features; spaCy keeps extension values in user_data, so the attribute
  needs no registration here).

All values are msgpack-safe, so they survive DocBin(store_user_data=True).
"""

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ...errors import Errors
from ..clusters import DEFAULT_CLUSTER_PREFIX, TokenSpan, cluster_keys

DOC_KEY = "coref_doc_key"
PART_KEY = "coref_part"
SPEAKERS_KEY = "coref_speakers"
SPEAKER_EXTENSION = "speaker"
DUPLICATE_POLICIES = ("error", "first")


@dataclass
class CorefRecord:
    """One document (or CoNLL part) with gold clusters.

    doc_key (str): Document name.
    part (int): CoNLL part number.
    sentences (List[List[str]]): Words per sentence.
    clusters (List[List[TokenSpan]]): Inclusive token offsets over all sentences.
    speakers (Optional[List[List[str]]]): Speaker per token, per sentence.
    path (str): Source file, for error messages.
    line (int): Line of the source file where the document starts.
    """

    doc_key: str
    part: int
    sentences: List[List[str]]
    clusters: List[List[TokenSpan]]
    speakers: Optional[List[List[str]]] = None
    path: str = ""
    line: int = 0
    mention_lines: Dict[TokenSpan, int] = field(default_factory=dict, repr=False)

    @property
    def n_tokens(self) -> int:
        return sum(len(s) for s in self.sentences)

    @property
    def name(self) -> str:
        """The document name with its part, e.g. "bc/cctv/00/cctv_0000_0"."""
        return f"{self.doc_key}_{self.part}"


def check_duplicates(record: CorefRecord, on_duplicate: str = "error") -> CorefRecord:
    """Raise (or, with on_duplicate="first", resolve) a span that occurs twice.

    record (CorefRecord): The record to check; changed in place with "first".
    on_duplicate (str): "error" raises E062; "first" keeps the span in its first
        cluster only and drops clusters left empty.
    RETURNS (CorefRecord): The record.
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(
            Errors.E067.format(
                name="on_duplicate",
                value=on_duplicate,
                detail=f"use one of {DUPLICATE_POLICIES}",
            )
        )
    owner: Dict[TokenSpan, int] = {}
    new_clusters = []
    for i, cluster in enumerate(record.clusters):
        kept = []
        for span in cluster:
            if span in owner:
                if on_duplicate == "error":
                    raise ValueError(
                        Errors.E062.format(
                            path=record.path,
                            line=record.mention_lines.get(span, record.line),
                            doc=record.doc_key,
                            mention=list(span),
                            first=owner[span],
                            second=i,
                        )
                    )
                continue
            owner[span] = i
            kept.append(span)
        if kept:
            new_clusters.append(kept)
    record.clusters = new_clusters
    return record


def split_record(record: CorefRecord, n_sents: int) -> Iterator[CorefRecord]:
    """Split a record into chunks of n_sents sentences (0: keep it whole).

    Clusters are cut to the chunk; a mention across a chunk boundary raises E063.
    """
    if n_sents < 0:
        raise ValueError(Errors.E067.format(name="n_sents", value=n_sents, detail="must be >= 0"))
    if n_sents == 0 or len(record.sentences) <= n_sents:
        yield record
        return
    offset = 0
    for i in range(0, len(record.sentences), n_sents):
        sents = record.sentences[i : i + n_sents]
        size = sum(len(s) for s in sents)
        end = offset + size - 1
        clusters = []
        for cluster in record.clusters:
            inside = []
            for start, stop in cluster:
                if start >= offset and stop <= end:
                    inside.append((start - offset, stop - offset))
                elif start <= end and stop >= offset:
                    raise ValueError(Errors.E063.format(doc=record.doc_key, mention=[start, stop], n_sents=n_sents))
            if inside:
                clusters.append(inside)
        speakers = record.speakers[i : i + n_sents] if record.speakers else None
        yield CorefRecord(
            doc_key=f"{record.doc_key}#{i // n_sents}",
            part=record.part,
            sentences=sents,
            clusters=clusters,
            speakers=speakers,
            path=record.path,
            line=record.line,
        )
        offset += size


def record_to_doc(vocab: Vocab, record: CorefRecord, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> Doc:
    """Build a gold Doc: words, sentence starts, clusters in doc.spans.

    vocab (Vocab): The vocab.
    record (CorefRecord): The document.
    span_prefix (str): Clusters go to `doc.spans[f"{span_prefix}_{i}"]`, i from 1.
    RETURNS (Doc): The doc.
    """
    words = [w for sent in record.sentences for w in sent]
    sent_starts = [i == 0 for sent in record.sentences for i in range(len(sent))]
    doc = Doc(vocab, words=words, sent_starts=sent_starts)
    for i, cluster in enumerate(record.clusters, start=1):
        doc.spans[f"{span_prefix}_{i}"] = [Span(doc, start, end + 1) for start, end in cluster]
    doc.user_data[DOC_KEY] = record.doc_key
    doc.user_data[PART_KEY] = record.part
    if record.speakers is not None:
        speakers = [s for sent in record.speakers for s in sent]
        doc.user_data[SPEAKERS_KEY] = speakers
        for token, speaker in zip(doc, speakers):
            doc.user_data[_speaker_key(token.idx)] = speaker
    return doc


def _speaker_key(idx: int) -> Tuple[str, str, int, None]:
    # The user_data key under which spaCy's Underscore stores `token._.speaker`.
    return ("._.", SPEAKER_EXTENSION, idx, None)


def copy_without_clusters(doc: Doc, *, keep_sent_starts: bool = True) -> Doc:
    """A fresh Doc with the same words, spaces, user_data (doc key, speakers) and,
    optionally, sentence starts, but no annotation: the input a pipeline sees."""
    kwargs = {}
    if keep_sent_starts:
        kwargs["sent_starts"] = [bool(t.is_sent_start) for t in doc]
    words = [t.text for t in doc]
    spaces = [bool(t.whitespace_) for t in doc]
    new = Doc(doc.vocab, words=words, spaces=spaces, **kwargs)
    for key, value in doc.user_data.items():
        is_speaker = isinstance(key, tuple) and key[:2] == ("._.", SPEAKER_EXTENSION)
        if key in (DOC_KEY, PART_KEY, SPEAKERS_KEY) or is_speaker:
            new.user_data[key] = value
    return new


def count_mentions(docs: Sequence[Doc], span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> Dict[str, int]:
    """Docs, tokens, mentions and clusters (all, and with 2+ mentions)."""
    stats = {"docs": 0, "tokens": 0, "mentions": 0, "clusters": 0, "clusters_2plus": 0}
    for doc in docs:
        stats["docs"] += 1
        stats["tokens"] += len(doc)
        for key in cluster_keys(doc, span_prefix):
            n = len(doc.spans[key])
            stats["mentions"] += n
            stats["clusters"] += 1
            stats["clusters_2plus"] += int(n > 1)
    return stats
