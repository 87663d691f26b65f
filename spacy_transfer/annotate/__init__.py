"""Corpus-scale batch annotation: `python -m spacy_transfer annotate`.

Nothing heavy is imported here; Ray is imported only by the ray engine.
"""

from .settings import AnnotateSettings

__all__ = ["AnnotateSettings", "annotate_local", "annotate_ray"]


def annotate_local(*args, **kwargs):
    """Run the local engine; see `engine_local.annotate_local`."""
    from .engine_local import annotate_local as run

    return run(*args, **kwargs)


def annotate_ray(*args, **kwargs):
    """Run the Ray engine; see `engine_ray.annotate_ray`."""
    from .engine_ray import annotate_ray as run

    return run(*args, **kwargs)
