"""`render_coref`: coreference clusters as self-contained HTML, shaped like displacy.

Every mention is a `<span class="coref-mention" data-cluster="N">` (N from 1, as in the
span-group names) with the cluster number as a label; nested mentions are nested
elements, and a mention that crosses another is drawn in pieces sharing one
`data-mention` id. Styles and the hover/click script are inline: the page loads nothing
from the network.
"""

import html
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc

from ...errors import Errors
from ..clusters import get_clusters
from ..resolve import resolved_text

# fmt: off
# Pale fills with strong borders, distinct for the first 12 clusters, then repeating.
PALETTE = [
    ("#fde2e2", "#d62728"), ("#dbeafe", "#1f77b4"), ("#dcfce7", "#2ca02c"), ("#fef3c7", "#b7791f"),
    ("#ede9fe", "#7c3aed"), ("#ffe4e6", "#e11d74"), ("#cffafe", "#0e7490"), ("#fae8ff", "#a21caf"),
    ("#ecfccb", "#4d7c0f"), ("#ffedd5", "#c2410c"), ("#e0e7ff", "#4338ca"), ("#f1f5f9", "#475569"),
]
# fmt: on

STYLE = """
.coref-doc{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
 line-height:2.6;font-size:17px;max-width:900px;margin:0 0 1.5em 0;padding:1em 1.2em;
 border:1px solid #e5e7eb;border-radius:8px;background:#fff;color:#111}
.coref-text{white-space:pre-wrap}
.coref-mention{background:var(--fill);border-bottom:2px solid var(--line);border-radius:4px;
 padding:2px 1px;cursor:pointer;transition:background .1s}
.coref-mention .coref-mention{padding:0 1px}
.coref-label{font-size:10px;font-weight:700;color:#fff;background:var(--line);border-radius:3px;
 padding:0 3px;margin-left:2px;vertical-align:top;line-height:1.4;user-select:none}
.coref-doc.coref-focus .coref-mention{opacity:.35}
.coref-doc.coref-focus .coref-mention.coref-active{opacity:1;background:var(--line);color:#fff;
 outline:2px solid var(--line)}
.coref-doc.coref-focus .coref-mention.coref-active .coref-mention:not(.coref-active){opacity:1}
.coref-meta{font-size:13px;line-height:1.5;color:#374151;margin-top:.6em}
.coref-meta table{border-collapse:collapse}.coref-meta td{padding:0 .8em 0 0}
.coref-resolved{font-size:15px;line-height:1.6;background:#f9fafb;padding:.5em .8em;border-radius:6px;
 white-space:pre-wrap}
.coref-none{color:#6b7280;font-style:italic}
"""

# Highlights the whole chain of the mention under the pointer; a click pins it.
SCRIPT = """
(function(){
 function mark(doc, cluster, on){
  doc.querySelectorAll('.coref-mention').forEach(function(m){
   m.classList.toggle('coref-active', on && m.dataset.cluster === cluster);});
  doc.classList.toggle('coref-focus', on);}
 document.querySelectorAll('.coref-doc').forEach(function(doc){
  var pinned = null;
  doc.addEventListener('mouseover', function(e){
   var m = e.target.closest('.coref-mention'); if(!m || pinned) return;
   mark(doc, m.dataset.cluster, true);});
  doc.addEventListener('mouseout', function(e){
   var m = e.target.closest('.coref-mention'); if(!m || pinned) return;
   var to = e.relatedTarget && e.relatedTarget.closest && e.relatedTarget.closest('.coref-mention');
   if(!to) mark(doc, null, false);});
  doc.addEventListener('click', function(e){
   var m = e.target.closest('.coref-mention');
   if(!m || pinned === m.dataset.cluster){ pinned = null; mark(doc, null, false); return; }
   pinned = m.dataset.cluster; mark(doc, pinned, true);});
 });
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{margin:1.5em;background:#f3f4f6;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}}{style}</style></head>
<body>{body}<script>{script}</script></body></html>"""

# (start token, end token, cluster number, mention id)
Mention = Tuple[int, int, int, int]


def render_coref(
    docs: Union[Doc, Sequence[Doc]],
    page: bool = False,
    jupyter: Optional[bool] = None,
    *,
    resolved: bool = False,
    title: str = "Coreference",
) -> Optional[str]:
    """Render the coreference clusters of docs as HTML.

    docs (Union[Doc, Sequence[Doc]]): doc(s) with clusters in `doc.spans["coref_clusters_N"]`.
    page (bool): render a full HTML page instead of a fragment.
    jupyter (Optional[bool]): display inline in Jupyter and return None; None detects it.
    resolved (bool): also show each doc's resolved text.
    title (str): the page title.
    RETURNS (Optional[str]): the HTML, or None when displayed in Jupyter.

    DOCS: docs/coref.md#browser-view
    """
    if isinstance(docs, Doc):
        docs = [docs]
    docs = list(docs)
    for i, doc in enumerate(docs):
        if not isinstance(doc, Doc):
            raise TypeError(Errors.E073.format(type=type(doc).__name__, i=i))
    body = "".join(render_doc(doc, resolved=resolved) for doc in docs)
    from spacy.util import is_in_jupyter

    if jupyter or (jupyter is None and is_in_jupyter()):
        from IPython.display import HTML, display

        # Jupyter shows a fragment; the style and script travel with it.
        display(HTML(f"<style>{STYLE}</style>{body}<script>{SCRIPT}</script>"))
        return None
    if page:
        return PAGE.format(title=html.escape(title), style=STYLE, body=body, script=SCRIPT)
    return f"<style>{STYLE}</style>{body}<script>{SCRIPT}</script>"


def render_doc(doc: Doc, *, resolved: bool = False) -> str:
    """One doc as a `<div class="coref-doc">`: marked text, categories, resolved text."""
    mentions = _mentions(doc)
    parts = [f'<div class="coref-doc" data-clusters="{len({m[2] for m in mentions})}">']
    parts.append(f'<div class="coref-text">{_marked_text(doc, mentions)}</div>')
    if not mentions:
        parts.append('<div class="coref-meta coref-none">No coreference clusters.</div>')
    parts.append(_meta(doc))
    if resolved:
        text = html.escape(resolved_text(doc))
        parts.append(f'<div class="coref-meta">Resolved:<div class="coref-resolved">{text}</div></div>')
    parts.append("</div>")
    return "".join(parts)


def _mentions(doc: Doc) -> List[Mention]:
    out = []
    for cluster in get_clusters(doc) or []:
        for mention in cluster:
            if len(mention):
                out.append((mention.start, mention.end, cluster.i + 1, len(out)))
    return out


def _marked_text(doc: Doc, mentions: List[Mention]) -> str:
    """The doc's text with nested mention elements; crossing mentions are split."""
    opens: Dict[int, List[Mention]] = {}
    for m in mentions:
        opens.setdefault(m[0], []).append(m)
    stack: List[Mention] = []
    out: List[str] = []
    for token in doc:
        # Longer mentions open first so that they enclose the shorter ones.
        for m in sorted(opens.get(token.i, []), key=lambda m: -m[1]):
            out.append(_open(m))
            stack.append(m)
        out.append(html.escape(token.text))
        closing = [m for m in stack if m[1] == token.i + 1]
        if closing:
            reopen = []
            while closing:
                top = stack.pop()
                out.append(_close(top, label=top in closing))
                if top in closing:
                    closing.remove(top)
                else:
                    reopen.append(top)
            for m in reversed(reopen):
                out.append(_open(m))
                stack.append(m)
        out.append(html.escape(token.whitespace_))
    return "".join(out)


def _open(m: Mention) -> str:
    fill, line = PALETTE[(m[2] - 1) % len(PALETTE)]
    return (
        f'<span class="coref-mention" data-cluster="{m[2]}" data-mention="{m[3]}" '
        f'data-start="{m[0]}" data-end="{m[1]}" style="--fill:{fill};--line:{line}">'
    )


def _close(m: Mention, label: bool) -> str:
    # A mention split around a crossing one carries its label on the last piece only.
    return f'<span class="coref-label">{m[2]}</span></span>' if label else "</span>"


def _meta(doc: Doc) -> str:
    rows = []
    if doc.cats:
        top = sorted(doc.cats.items(), key=lambda kv: -kv[1])[:5]
        rows.append(("cats", ", ".join(f"{html.escape(k)} {v:.2f}" for k, v in top)))
    emotions = _emotions(doc)
    if emotions:
        rows.append(("emotions", ", ".join(f"{html.escape(str(k))} {float(v):.2f}" for k, v in emotions)))
    if not rows:
        return ""
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f'<div class="coref-meta"><table>{cells}</table></div>'


def _emotions(doc: Doc) -> Iterable:
    if not Doc.has_extension("emotions"):
        return []
    value = doc._.emotions
    if isinstance(value, dict):
        return sorted(value.items(), key=lambda kv: -kv[1])
    return list(value or [])
