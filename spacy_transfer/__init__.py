"""spacy_transfer: transfer-learning components for spaCy 3.

Components are registered through entry points, so `nlp.add_pipe("neuralcoref")` works
without importing this package. Importing stays cheap: no torch at module level.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
