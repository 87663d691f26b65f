"""doc._.emotions, span._.emotions and doc._.torchmoji_vector: views over stored data.

The component writes doc.cats (every label) and one msgpack-safe dict in
doc.user_data[USER_DATA_KEY] (thresholds, per-sentence scores, the feature vector as
a float32 numpy array), so DocBin(store_user_data=True), pickle and n_process keep
everything; the getters below only read it.
"""

from typing import Dict, List, Optional, Tuple

import numpy
from spacy.tokens import Doc, Span

USER_DATA_KEY = "spacy_transfer.torchmoji"
Emotions = List[Tuple[str, float]]


def install_extensions() -> None:
    """Register the torchmoji extension attributes once (never with force=True)."""
    if not Doc.has_extension("emotions"):
        Doc.set_extension("emotions", getter=get_doc_emotions)
    if not Span.has_extension("emotions"):
        Span.set_extension("emotions", getter=get_span_emotions)
    if not Doc.has_extension("torchmoji_vector"):
        Doc.set_extension("torchmoji_vector", getter=get_torchmoji_vector)


def select_emotions(cats: Dict[str, float], stored: Dict) -> Emotions:
    """Labels at or above their threshold (at least the top one), by score."""
    if not cats:
        return []
    thresholds = stored.get("thresholds", {})
    default = stored.get("threshold", 0.5)
    ranked = sorted(cats.items(), key=lambda item: (-item[1], item[0]))
    chosen = [(label, float(score)) for label, score in ranked
              if score >= thresholds.get(label, default)]  # fmt: skip
    return chosen or [(ranked[0][0], float(ranked[0][1]))]


def get_doc_emotions(doc: Doc) -> Optional[Emotions]:
    stored = doc.user_data.get(USER_DATA_KEY)
    if stored is None:
        return None
    if not len(doc):
        return []  # no text, no emotion
    return select_emotions({label: doc.cats[label] for label in stored["labels"]}, stored)


def get_span_emotions(span: Span) -> Optional[Emotions]:
    """Emotions of a sentence; None for spans that are not a scored sentence."""
    stored = span.doc.user_data.get(USER_DATA_KEY)
    if stored is None:
        return None
    for start, end, scores in stored.get("sents", []):
        if start == span.start and end == span.end:
            return select_emotions(dict(zip(stored["labels"], scores)), stored)
    if span.start == 0 and span.end == len(span.doc) and not stored.get("sents"):
        return get_doc_emotions(span.doc)
    return None


def get_torchmoji_vector(doc: Doc) -> Optional[numpy.ndarray]:
    stored = doc.user_data.get(USER_DATA_KEY)
    if stored is None:
        return None
    return numpy.asarray(stored["vector"], dtype="float32")
