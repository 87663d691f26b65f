"""Scoring coreference: the metrics (MUC, B³, CEAF, BLANC, LEA, CoNLL-F1; metrics), the spaCy scorer
`spacy_transfer.coref_scorer.v1` (scorer) and the GAP benchmark (gap).

DOCS: docs/coref_training.md#scorer
"""

from .metrics import score_clusters

__all__ = ["score_clusters"]
