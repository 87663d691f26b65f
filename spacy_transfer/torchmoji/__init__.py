"""torchmoji: the DeepMoji emotion model as a spaCy component (`add_pipe("torchmoji")`)."""

from .extensions import install_extensions

__all__ = ["install_extensions"]
