"""spacy_transfer: transfer-learning components for spaCy 3.

Components are registered through entry points, so `nlp.add_pipe("neuralcoref")` works
without importing this package. Importing stays cheap: no torch at module level, and the
coref view is imported on first use.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "render_coref", "serve_coref"]


def __getattr__(name: str):
    if name in ("render_coref", "serve_coref"):
        from . import coref

        return getattr(coref, name)
    raise AttributeError(f"module 'spacy_transfer' has no attribute {name!r}")
