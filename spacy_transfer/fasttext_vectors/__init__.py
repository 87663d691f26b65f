"""fastText subword vectors for spaCy: exact OOV vectors from memory-mapped official models."""

from .io import load_fasttext
from .vectors import FastTextVectors, open_vectors

__all__ = ["FastTextVectors", "load_fasttext", "open_vectors"]
