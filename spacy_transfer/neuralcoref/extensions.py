"""neuralcoref's extension attributes, as read-only views over `doc.spans` and `doc.user_data`.

Clusters live in `doc.spans["coref_clusters_1"]`, `..._2`, ... (the main mention's index in
`group.attrs["main"]`); scores live in `doc.user_data["neuralcoref"]`. Nothing else is
stored, so DocBin (with store_user_data=True for scores), pickle and n_process keep it all.
"""
from typing import Dict, Iterator, List, Optional

from spacy.tokens import Doc, Span, Token

DEFAULT_CLUSTER_PREFIX = "coref_clusters"
USER_DATA_KEY = "neuralcoref"


class Cluster:
    """A coreference cluster: its index, main (most representative) mention and mentions.

    i (int): index of the cluster in the doc.
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
    return doc.user_data.get(USER_DATA_KEY, {}).get("prefix", DEFAULT_CLUSTER_PREFIX)


def cluster_keys(doc: Doc, prefix: Optional[str] = None) -> List[str]:
    """Span-group names `{prefix}_{n}` of a doc, in numeric order."""
    prefix = prefix or cluster_prefix(doc)
    keys = []
    for key in doc.spans:
        head, _, num = key.rpartition("_")
        if head == prefix and num.isdigit():
            keys.append((int(num), key))
    return [key for _, key in sorted(keys)]


def get_clusters(doc: Doc) -> Optional[List[Cluster]]:
    keys = cluster_keys(doc)
    if not keys and USER_DATA_KEY not in doc.user_data:
        return None  # the component has not run on this doc
    clusters = []
    for i, key in enumerate(keys):
        group = doc.spans[key]
        mentions = list(group)
        main = mentions[int(group.attrs.get("main", 0))] if mentions else None
        clusters.append(Cluster(i, main, mentions))
    return clusters


def get_has_coref(doc: Doc) -> bool:
    return bool(get_clusters(doc))


def resolve(doc: Doc, clusters: List[Cluster]) -> str:
    """The doc's text with every mention replaced by its cluster's main mention."""
    resolved = [t.text_with_ws for t in doc]
    for cluster in clusters:
        for mention in cluster:
            if (mention.start, mention.end) == (cluster.main.start, cluster.main.end):
                continue
            resolved[mention.start] = cluster.main.text + doc[mention.end - 1].whitespace_
            for k in range(mention.start + 1, mention.end):
                resolved[k] = ""
    return "".join(resolved)


def get_resolved(doc: Doc) -> str:
    return resolve(doc, get_clusters(doc) or [])


def get_doc_scores(doc: Doc) -> Optional[Dict[Span, Dict[Span, float]]]:
    """{mention: {mention: single score, antecedent: pair score, ...}} as in neuralcoref."""
    data = doc.user_data.get(USER_DATA_KEY, {}).get("scores")
    if data is None:
        return None
    spans = [doc[int(s) : int(e)] for s, e in data["spans"]]
    scores: Dict[Span, Dict[Span, float]] = {m: {m: float(s)} for m, s in zip(spans, data["single"])}
    for a, m, s in zip(data["ant"], data["men"], data["pair"]):
        scores[spans[int(m)]][spans[int(a)]] = float(s)
    return scores


def _same(a: Span, b: Span) -> bool:
    return a.start == b.start and a.end == b.end


def get_span_cluster(span: Span) -> Optional[Cluster]:
    for cluster in get_clusters(span.doc) or []:
        if any(_same(m, span) for m in cluster):
            return cluster
    return None


def get_span_is_coref(span: Span) -> bool:
    return get_span_cluster(span) is not None


def get_span_scores(span: Span) -> Optional[Dict[Span, float]]:
    scores = get_doc_scores(span.doc)
    if scores is None:
        return None
    for mention, mention_scores in scores.items():
        if _same(mention, span):
            return mention_scores
    return None


def get_token_clusters(token: Token) -> List[Cluster]:
    return [c for c in get_clusters(token.doc) or [] if any(m.start <= token.i < m.end for m in c)]


def get_token_in_coref(token: Token) -> bool:
    return bool(get_token_clusters(token))


def get_token_scores(token: Token) -> List[Dict[Span, float]]:
    scores = get_doc_scores(token.doc) or {}
    return [s for m, s in scores.items() if m.start <= token.i < m.end]


def install_extensions() -> None:
    """Register neuralcoref's attributes once; never replaces a user's attribute."""
    doc_getters = {
        "has_coref": get_has_coref,
        "coref_clusters": get_clusters,
        "coref_resolved": get_resolved,
        "coref_scores": get_doc_scores,
    }
    span_getters = {"is_coref": get_span_is_coref, "coref_cluster": get_span_cluster, "coref_scores": get_span_scores}
    token_getters = {
        "in_coref": get_token_in_coref,
        "coref_clusters": get_token_clusters,
        "coref_scores": get_token_scores,
    }
    for cls, getters in ((Doc, doc_getters), (Span, span_getters), (Token, token_getters)):
        for name, getter in getters.items():
            if not cls.has_extension(name):
                cls.set_extension(name, getter=getter)
    # The speaker of each token, set by the user for dialogue ("Who said this?").
    if not Token.has_extension("speaker"):
        Token.set_extension("speaker", default=None)
