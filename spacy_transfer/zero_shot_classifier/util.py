"""numpy / plain-Python helpers for the zero-shot classifier (no torch here)."""

from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy

from ..errors import Errors

# Label names (lower-cased) that count as "not entailed" when a model has no
# explicit contradiction label, e.g. SciTail-style two-way models.
NOT_ENTAILMENT_NAMES = ("not_entailment", "not entailment", "non_entailment", "non-entailment")


def find_nli_label_ids(id2label: Mapping[int, str], path: str = "") -> Tuple[int, int]:
    """Find the entailment and contradiction output ids of an NLI classifier.

    The entailment id is the label whose name starts with "entail" (as in
    transformers' pipeline). The contradiction id is the label starting with
    "contradict", else a "not_entailment" label, else, for a two-way model, the
    other label. transformers' pipeline silently uses -1 when nothing matches;
    we raise instead.

    id2label (Mapping[int, str]): The model config's id2label.
    path (str): The model directory, for the error message.
    RETURNS (Tuple[int, int]): (entailment_id, contradiction_id).
    """
    entail = contra = not_entail = None
    for idx, name in id2label.items():
        lowered = str(name).lower()
        if lowered.startswith("entail") and entail is None:
            entail = int(idx)
        elif lowered.startswith("contradict") and contra is None:
            contra = int(idx)
        elif lowered in NOT_ENTAILMENT_NAMES and not_entail is None:
            not_entail = int(idx)
    if contra is None:
        contra = not_entail
    if contra is None and entail is not None and len(id2label) == 2:
        contra = next(int(i) for i in id2label if int(i) != entail)
    if entail is None or contra is None:
        raise ValueError(Errors.E253.format(path=path, id2label=dict(id2label)))
    return entail, contra


def softmax(x: numpy.ndarray, axis: int = -1) -> numpy.ndarray:
    """Numerically stable softmax along `axis`."""
    shifted = x - x.max(axis=axis, keepdims=True)
    e = numpy.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x: numpy.ndarray) -> numpy.ndarray:
    """Logistic function, stable for large |x|."""
    # tanh form: no overflow for large |x|.
    return 0.5 * (1.0 + numpy.tanh(0.5 * x))


def nli_scores(logits: numpy.ndarray, entail_id: int, contra_id: int, multi_label: bool) -> numpy.ndarray:
    """Turn NLI logits of one document's (premise, hypothesis) pairs into label scores.

    Single-label: softmax of the entailment logits across labels. Multi-label,
    and any one-label task (as transformers does): per label, the softmax over
    (contradiction, entailment), keeping the entailment probability.

    logits (numpy.ndarray): n_labels x n_nli_classes.
    RETURNS (numpy.ndarray): n_labels scores.
    """
    if logits.shape[0] == 0:
        return numpy.zeros((0,), dtype="float32")
    if multi_label or logits.shape[0] == 1:
        pair = logits[:, [contra_id, entail_id]]
        return softmax(pair, axis=-1)[:, 1]
    return softmax(logits[:, entail_id], axis=-1)


def similarity_scores(sims: numpy.ndarray, temperature: float, multi_label: bool, threshold: float) -> numpy.ndarray:
    """Calibrate cosine similarities of one document to its labels.

    Single-label: softmax(sims / temperature) across labels. Multi-label (and
    one-label tasks): sigmoid((sims - threshold) / temperature) per label.

    sims (numpy.ndarray): n_labels cosine similarities.
    RETURNS (numpy.ndarray): n_labels scores.
    """
    if sims.shape[0] == 0:
        return numpy.zeros((0,), dtype="float32")
    if multi_label or sims.shape[0] == 1:
        return sigmoid((sims - threshold) / temperature)
    return softmax(sims / temperature, axis=-1)


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[List[int]]:
    """Yield index lists of at most batch_size items, longest first.

    Sorting by length keeps padding inside each mini-batch small.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def check_label_list(labels: object) -> Optional[List[str]]:
    """Return labels as a list of strings, or None when they are invalid."""
    if not isinstance(labels, (list, tuple)):
        return None
    if not all(isinstance(label, str) and label.strip() for label in labels):
        return None
    if len(set(labels)) != len(labels):
        return None
    return list(labels)


def label_texts(labels: Sequence[str], template: str, descriptions: Dict[str, str]) -> List[str]:
    """The hypothesis text of each label: template filled with its description."""
    return [template.format(descriptions.get(label, label)) for label in labels]
