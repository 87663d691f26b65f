"""The coref view, as spaCy's displacy: clusters as self-contained HTML (`render_coref`), served to a browser
(`serve_coref` for fixed docs, `serve_visualizer` for text pasted into a page).

DOCS: docs/coref.md#browser-view
"""

from .render import render_coref
from .serve import serve_coref, serve_visualizer

__all__ = ["render_coref", "serve_coref", "serve_visualizer"]
