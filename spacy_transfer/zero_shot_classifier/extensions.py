"""Extension attributes of the zero-shot classifier."""

from spacy.tokens import Doc

CANDIDATE_LABELS_ATTR = "candidate_labels"


def install_extensions() -> None:
    """Register doc._.candidate_labels (default None) once.

    doc._.candidate_labels is an input, not an output: a list of label strings set
    before the component runs overrides its configured labels for that document.
    A list of strings is msgpack-safe, so DocBin (store_user_data=True), pickle
    and n_process keep it. The scores themselves live in doc.cats.
    """
    if not Doc.has_extension(CANDIDATE_LABELS_ATTR):
        Doc.set_extension(CANDIDATE_LABELS_ATTR, default=None)
