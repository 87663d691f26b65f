"""torchmoji: the DeepMoji emotion model as a spaCy component (`add_pipe("torchmoji")`)."""

from .extensions import install_extensions
from .tokenizer import tokenize
from .words import DeepMojiWord, deepmoji_words

__all__ = ["install_extensions", "tokenize", "deepmoji_words", "DeepMojiWord"]
