"""The coref extension attributes (neuralcoref's API), as read-only views.

They read the span groups and `doc.user_data[COREF_DATA_KEY]` (see clusters.py), so they
work on any doc holding `coref_clusters_N` groups: predicted by `neuralcoref` or another
component, read from gold data, or set by hand.
"""

from typing import Dict, List, Optional

from spacy.tokens import Doc, Span, Token

from .clusters import COREF_DATA_KEY, Cluster, get_clusters, same_span
from .resolve import resolved_text


def get_has_coref(doc: Doc) -> bool:
    return bool(get_clusters(doc))


def get_doc_scores(doc: Doc) -> Optional[Dict[Span, Dict[Span, float]]]:
    """{mention: {mention: single score, antecedent: pair score, ...}} as in neuralcoref."""
    data = doc.user_data.get(COREF_DATA_KEY, {}).get("scores")
    if data is None:
        return None
    spans = [doc[int(s) : int(e)] for s, e in data["spans"]]
    scores: Dict[Span, Dict[Span, float]] = {m: {m: float(s)} for m, s in zip(spans, data["single"])}
    for a, m, s in zip(data["ant"], data["men"], data["pair"]):
        scores[spans[int(m)]][spans[int(a)]] = float(s)
    return scores


def get_span_cluster(span: Span) -> Optional[Cluster]:
    for cluster in get_clusters(span.doc) or []:
        if any(same_span(m, span) for m in cluster):
            return cluster
    return None


def get_span_is_coref(span: Span) -> bool:
    return get_span_cluster(span) is not None


def get_span_scores(span: Span) -> Optional[Dict[Span, float]]:
    scores = get_doc_scores(span.doc)
    if scores is None:
        return None
    for mention, mention_scores in scores.items():
        if same_span(mention, span):
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
    """Register the coref attributes once; never replaces a user's attribute.

    DOCS: docs/coref.md#extensions
    """
    doc_getters = {
        "has_coref": get_has_coref,
        "coref_clusters": get_clusters,
        "coref_resolved": resolved_text,
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
