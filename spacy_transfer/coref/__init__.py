"""The coreference format, owned here for every coref producer and consumer.

Importing this package registers the `doc._.coref_*` attributes, so they work on any doc
whose `doc.spans` hold `coref_clusters_N` groups, however they got there. The package
itself holds the format (clusters, extensions, resolve, word_lists) and the `coref`
component; its other audiences have subpackages: `view` (render, serve), `corpora`
(gold data, conversion, the corpus reader) and `scoring` (metrics, scorer, GAP). Importing
the package loads only the format: none of the component's torch or transformers code and
no web server (the view's functions load on first use).

DOCS: docs/coref.md
"""

from .clusters import (
    COREF_DATA_KEY,
    DEFAULT_CLUSTER_PREFIX,
    Cluster,
    best_mention,
    char_clusters,
    cluster_keys,
    doc_clusters,
    get_clusters,
)
from .extensions import install_extensions
from .resolve import RESOLVE_STYLES, resolve_text, resolved_text

install_extensions()

# Re-exported from the view on first use, so that the format's users never import it.
_VIEW_NAMES = ("render_coref", "serve_coref", "serve_visualizer")

__all__ = [
    "COREF_DATA_KEY",
    "DEFAULT_CLUSTER_PREFIX",
    "RESOLVE_STYLES",
    "Cluster",
    "best_mention",
    "char_clusters",
    "cluster_keys",
    "doc_clusters",
    "get_clusters",
    "install_extensions",
    "render_coref",
    "resolve_text",
    "resolved_text",
    "serve_coref",
    "serve_visualizer",
]


def __getattr__(name: str):
    if name in _VIEW_NAMES:
        from . import view

        return getattr(view, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
