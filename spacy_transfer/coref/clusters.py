"""The coreference format: clusters as numbered span groups, and how to read them.

Every coref producer here (the `neuralcoref` component, the gold converters, a user who
sets clusters by hand) writes a cluster as `doc.spans[f"{prefix}_{n}"]`, n from 1, with
the mentions in document order (spacy-experimental's layout). A producer may name the
cluster's main mention with `group.attrs["main"]` (its index in the group); without it
the best mention is chosen here. Producers keep their extra data (the span prefix,
scores, the resolved-text style) under `doc.user_data[COREF_DATA_KEY]`. Nothing else is
stored, so DocBin (with store_user_data=True for that data), pickle and `n_process`
keep it all.
"""

import re
from typing import Iterator, List, NamedTuple, Optional, Tuple

from spacy.tokens import Doc, Span

from .word_lists import PRONOUNS

DEFAULT_CLUSTER_PREFIX = "coref_clusters"
# Named after the first producer; kept so that docs stored by earlier versions still load.
COREF_DATA_KEY = "neuralcoref"
# Gold docs for training the `coref` component: each mention's head word as one-token spans
# `doc.spans[f"{HEAD_PREFIX}_{n}"]`, parallel to the cluster's mentions (`coref-heads` writes them).
HEAD_PREFIX = "coref_heads"
# A reference doc's user_data key: True where only some entity types are annotated (LitBank: people, places,
# organisations, facilities, vehicles, GPEs). There a word heading no gold mention may still head an unannotated
# mention (an object, an event), so training takes no "no antecedent" or "not a mention" target from it.
PARTIAL_KEY = "coref_partial_types"

# (start, end) token offsets, end inclusive as in CoNLL and e2e-coref.
TokenSpan = Tuple[int, int]
# A mention as [start_char, end_char, text]: offsets index the doc's text.
CharMention = List
CharClusters = List[List[CharMention]]


class Annotations(NamedTuple):
    """Which annotations a doc has. `doc.has_annotation` scans every token of a doc that
    lacks it, so the rules below ask once per doc, not once per mention."""

    tag: bool
    dep: bool
    sents: bool

    @classmethod
    def of(cls, doc: Doc) -> "Annotations":
        return cls(doc.has_annotation("TAG"), doc.has_annotation("DEP"), doc.has_annotation("SENT_START"))


class Cluster:
    """A coreference cluster: its index, main (most representative) mention and mentions.

    i (int): index of the cluster in the doc, from 0.
    main (Span): the most representative mention.
    mentions (List[Span]): all mentions, in document order.
    """

    def __init__(self, i: int, main: Span, mentions: List[Span]) -> None:
        self.i = i
        self.main = main
        self.mentions = mentions

    def __getitem__(self, i: int) -> Span:
        return self.mentions[i]

    def __iter__(self) -> Iterator[Span]:
        return iter(self.mentions)

    def __len__(self) -> int:
        return len(self.mentions)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Cluster)
            and self.i == other.i
            and [(m.start, m.end) for m in self.mentions] == [(m.start, m.end) for m in other.mentions]
        )

    def __repr__(self) -> str:
        return f"{self.main}: {self.mentions}"


def cluster_prefix(doc: Doc) -> str:
    """The span-group prefix a producer recorded for this doc, else the default."""
    return doc.user_data.get(COREF_DATA_KEY, {}).get("prefix", DEFAULT_CLUSTER_PREFIX)


def cluster_keys(doc: Doc, span_prefix: Optional[str] = None) -> List[str]:
    """The span-group names holding clusters, in cluster order (1, 2, ..., 10).

    doc (Doc): the doc.
    span_prefix (Optional[str]): the prefix; None reads it from the doc (see cluster_prefix).
    RETURNS (List[str]): names `{prefix}_{n}` in numeric order.
    """
    pattern = re.compile(re.escape(span_prefix or cluster_prefix(doc)) + r"_(\d+)$")
    found = []
    for key in doc.spans:
        match = pattern.match(key)
        if match:
            found.append((int(match.group(1)), key))
    return [key for _, key in sorted(found)]


def same_span(a: Span, b: Span) -> bool:
    """Whether two spans have the same boundaries (Span equality also compares labels)."""
    return a.start == b.start and a.end == b.end


def is_pronoun(span: Span) -> bool:
    """Whether a mention is a lone pronoun (by tag when tagged, else by the word)."""
    if len(span) != 1:
        return False
    token = span[0]
    return token.lower_ in PRONOUNS or token.pos_ == "PRON"


def _mention_rank(span: Span, annotations: Annotations) -> int:
    # A name beats a noun phrase, which beats a pronoun (neuralcoref's choice of main).
    if is_pronoun(span):
        return 0
    if annotations.tag:
        return 2 if any(t.pos_ == "PROPN" for t in span) else 1
    # Untagged: a capitalised word that does not start a sentence marks a name.
    doc = span.doc
    return 2 if any(t.text[:1].isupper() and not starts_sentence(doc, t.i, annotations) for t in span) else 1


def best_mention(mentions: List[Span], annotations: Optional[Annotations] = None) -> Optional[Span]:
    """The cluster's most representative mention: the first name, else the first noun
    phrase, else the first mention.

    mentions (List[Span]): the mentions, in document order.
    annotations (Optional[Annotations]): the doc's, when the caller has them already.
    RETURNS (Optional[Span]): the chosen mention, None for no mentions.
    """
    if not mentions:
        return None
    annotations = annotations or Annotations.of(mentions[0].doc)
    return max(mentions, key=lambda m: (_mention_rank(m, annotations), -m.start, m.end))


def get_clusters(doc: Doc, span_prefix: Optional[str] = None) -> Optional[List[Cluster]]:
    """The doc's clusters, or None when no coref producer has run on it.

    doc (Doc): the doc.
    span_prefix (Optional[str]): the prefix; None reads it from the doc.
    RETURNS (Optional[List[Cluster]]): the clusters, in span-group order.
    """
    keys = cluster_keys(doc, span_prefix)
    if not keys and COREF_DATA_KEY not in doc.user_data:
        return None
    clusters = []
    annotations = None
    for i, key in enumerate(keys):
        group = doc.spans[key]
        mentions = sorted(group, key=lambda m: (m.start, -m.end))
        main = None
        if "main" in group.attrs and 0 <= int(group.attrs["main"]) < len(group):
            main = group[int(group.attrs["main"])]
        if main is None:
            annotations = annotations or Annotations.of(doc)
            main = best_mention(mentions, annotations)
        clusters.append(Cluster(i, main, mentions))
    return clusters


def doc_clusters(doc: Doc, span_prefix: str = DEFAULT_CLUSTER_PREFIX, *, chars: bool = False) -> List[List[TokenSpan]]:
    """Read clusters back from doc.spans as offsets.

    doc (Doc): The doc.
    span_prefix (str): Prefix of the span group names.
    chars (bool): Give (start_char, end_char) offsets (end exclusive) instead of
        inclusive (start, end) token offsets; use it when two docs of the same text
        may be tokenized differently.
    RETURNS (List[List[TokenSpan]]): The clusters.
    """
    clusters = []
    for key in cluster_keys(doc, span_prefix):
        if chars:
            clusters.append([(s.start_char, s.end_char) for s in doc.spans[key]])
        else:
            clusters.append([(s.start, s.end - 1) for s in doc.spans[key]])
    return clusters


def char_clusters(doc: Doc, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> CharClusters:
    """Clusters as [start_char, end_char, text] mentions, for JSON output.

    doc (Doc): the annotated doc.
    span_prefix (str): span-group prefix; groups are numbered from 1.
    RETURNS (CharClusters): clusters in group-number order, mentions in text order.
    """
    return [
        [[start, end, doc.text[start:end]] for start, end in sorted(cluster)]
        for cluster in doc_clusters(doc, span_prefix, chars=True)
    ]


def starts_sentence(doc: Doc, i: int, annotations: Optional[Annotations] = None) -> bool:
    """Whether token i opens a sentence, looking past opening quotes and brackets."""
    j = i
    while j > 0 and (doc[j - 1].is_left_punct or doc[j - 1].text in {'"', "'", "``", "“"}):
        j -= 1
    if j == 0:
        return True
    if (annotations or Annotations.of(doc)).sents:
        return bool(doc[j].is_sent_start)
    return doc[j - 1].text.rstrip("\"')]”’")[-1:] in {".", "!", "?"}


def write_clusters(
    doc: Doc,
    clusters: List[List[Tuple[int, int]]],
    mains: List[int],
    *,
    span_prefix: str,
    overwrite: bool,
    component: str,
    data: dict,
) -> None:
    """Store predicted clusters in the coref format (the one writer for all producers).

    doc (Doc): the doc.
    clusters (List[List[Tuple[int, int]]]): each cluster's mentions as (start, end) token
        offsets, end exclusive, in document order.
    mains (List[int]): each cluster's main mention, an index into its mentions.
    span_prefix (str): groups go to `{span_prefix}_{n}`, n from 1.
    overwrite (bool): replace existing groups of that prefix instead of raising E005.
    component (str): the producer's name, for the error message.
    data (dict): msgpack-safe extra data (scores, resolve style) for `doc.user_data`.
    """
    from spacy.tokens import SpanGroup

    from ..errors import Errors

    existing = cluster_keys(doc, span_prefix)
    if existing and not overwrite:
        raise ValueError(Errors.E005.format(key=existing[0], name=component))
    for key in existing:
        del doc.spans[key]
    for n, (mentions, main) in enumerate(zip(clusters, mains), start=1):
        name = f"{span_prefix}_{n}"
        spans = [doc[int(s) : int(e)] for s, e in mentions]
        doc.spans[name] = SpanGroup(doc, name=name, spans=spans, attrs={"main": int(main)})
    doc.user_data[COREF_DATA_KEY] = {"prefix": span_prefix, **data}
