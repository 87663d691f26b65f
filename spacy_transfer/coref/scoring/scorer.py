"""spaCy scorer for coreference: `spacy_transfer.coref_scorer.v1`."""

from functools import partial
from typing import Any, Callable, Dict, Iterable, List, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from ..clusters import DEFAULT_CLUSTER_PREFIX, cluster_keys
from .metrics import score_clusters


def _nonspace_offsets(doc: Doc) -> List[int]:
    """Number of non-whitespace characters before each token (and at the end).

    Mentions are compared as offsets into the doc's text without whitespace, so a
    predicted doc whose tokenization or spacing differs from the gold doc (spaCy's
    Example aligns such docs the same way) is still scored correctly.
    """
    offsets = [0]
    for token in doc:
        offsets.append(offsets[-1] + sum(1 for ch in token.text if not ch.isspace()))
    return offsets


def doc_mention_clusters(doc: Doc, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> List[List[Tuple[int, int]]]:
    """Clusters of a doc as (start, end) offsets into its whitespace-free text.

    doc (Doc): A doc with clusters in `doc.spans[f"{span_prefix}_{i}"]`.
    span_prefix (str): The span group prefix.
    RETURNS (List[List[Tuple[int, int]]]): One list of mentions per cluster.
    """
    offsets = _nonspace_offsets(doc)
    return [
        [(offsets[span.start], offsets[span.end]) for span in doc.spans[key]] for key in cluster_keys(doc, span_prefix)
    ]


def score_coref_clusters(
    examples: Iterable[Example],
    *,
    span_prefix: str = DEFAULT_CLUSTER_PREFIX,
    **kwargs: Any,
) -> Dict[str, float]:
    """Score predicted against gold clusters: MUC, B3, CEAF-e, LEA and CoNLL F1,
    with singletons and without (`_nosingletons` keys).

    examples (Iterable[Example]): Gold clusters are read from example.reference,
        predictions from example.predicted, both from span groups named
        f"{span_prefix}_1", f"{span_prefix}_2", ...
    span_prefix (str): The span group prefix.
    RETURNS (Dict[str, float]): See metrics.score_clusters.

    DOCS: docs/coref_training.md#scorer
    """
    gold, pred = [], []
    for eg in examples:
        gold.append(doc_mention_clusters(eg.reference, span_prefix))
        pred.append(doc_mention_clusters(eg.predicted, span_prefix))
    return score_clusters(gold, pred)


@registry.scorers("spacy_transfer.coref_scorer.v1")
def make_coref_scorer(
    span_prefix: str = DEFAULT_CLUSTER_PREFIX,
) -> Callable[..., Dict[str, float]]:
    """Build the coreference scorer.

    span_prefix (str): Prefix of the span groups holding the clusters.
    RETURNS (Callable): `(examples, **kwargs) -> Dict[str, float]`.
    """
    return partial(score_coref_clusters, span_prefix=span_prefix)
