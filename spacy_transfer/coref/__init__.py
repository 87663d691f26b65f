"""The coreference format, owned here for every coref producer and consumer.

Importing this package registers the `doc._.coref_*` attributes, so they work on any doc
whose `doc.spans` hold `coref_clusters_N` groups, however they got there.

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
from .render import render_coref
from .resolve import RESOLVE_STYLES, resolve_text, resolved_text
from .serve import serve_coref, serve_visualizer

install_extensions()

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
