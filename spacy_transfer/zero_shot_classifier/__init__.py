"""zero_shot_classifier: zero-shot text classification into doc.cats (NLI or embedding backend)."""

from .component import ZeroShotClassifier, make_zero_shot_classifier
from .extensions import install_extensions

__all__ = ["ZeroShotClassifier", "make_zero_shot_classifier", "install_extensions"]
