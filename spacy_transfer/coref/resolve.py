"""Resolved text: the doc's text with mentions replaced by their cluster's best mention.

Two styles. "grammatical" (the default) keeps the result readable; the rules, with
examples, are in docs/coref.md#resolved-text:
- the replacement is the cluster's best non-pronoun mention (a cluster without one is
  left alone), with its own inner mentions resolved;
- possessive pronouns become possessives ("his plan" -> "Elon Musk's plan");
- first and second person pronouns and reflexives stay;
- of nested mentions only the outermost replaced one is replaced, once;
- the first letter follows the position: a capital at a sentence start, a lower-case
  determiner ("the company") inside a sentence;
- whitespace and every token outside the replaced mentions are kept exactly.
"literal" is neuralcoref's behaviour: every mention except the main one becomes the main
mention's text, nothing else changes.
"""

from bisect import bisect_left
from typing import Dict, List, Optional, Tuple

from spacy.tokens import Doc, Span

from ..errors import Errors
from .clusters import COREF_DATA_KEY, Annotations, Cluster, get_clusters, is_pronoun, same_span, starts_sentence
from .word_lists import AFTER_OBJECT_HER, KEPT_PRONOUNS, POSSESSIVES

RESOLVE_STYLES = ("grammatical", "literal")

# fmt: off
LOWERABLE_FIRST_WORDS = frozenset("""
the a an this that these those some any each every another other such no both all
my your his her its our their one two three
""".split())
# fmt: on

Replacement = Tuple[int, int, str]


def resolve_text(doc: Doc, clusters: Optional[List[Cluster]], style: str = "grammatical") -> str:
    """The doc's text with coreferent mentions replaced.

    doc (Doc): the doc.
    clusters (Optional[List[Cluster]]): its clusters (doc._.coref_clusters).
    style (str): "grammatical" or "literal" (see the module docstring).
    RETURNS (str): the resolved text; the doc's text when there are no clusters.

    DOCS: docs/coref.md#resolved-text
    """
    if style not in RESOLVE_STYLES:
        raise ValueError(Errors.E067.format(name="resolve style", value=style, detail=f"use one of {RESOLVE_STYLES}"))
    if not clusters:
        return doc.text
    if style == "literal":
        return _literal(doc, clusters)
    return _grammatical(doc, clusters)


def resolved_text(doc: Doc, span_prefix: Optional[str] = None) -> str:
    """`doc._.coref_resolved`: resolve_text in the style the coref component chose.

    doc (Doc): the doc.
    span_prefix (Optional[str]): span-group prefix; None reads it from the doc.
    RETURNS (str): the resolved text.
    """
    style = doc.user_data.get(COREF_DATA_KEY, {}).get("resolve", "grammatical")
    return resolve_text(doc, get_clusters(doc, span_prefix), style)


def _literal(doc: Doc, clusters: List[Cluster]) -> str:
    # Token by token, later mentions overwriting earlier ones, exactly as neuralcoref.
    resolved = [t.text_with_ws for t in doc]
    for cluster in clusters:
        for mention in cluster:
            if same_span(mention, cluster.main):
                continue
            resolved[mention.start] = cluster.main.text + doc[mention.end - 1].whitespace_
            for k in range(mention.start + 1, mention.end):
                resolved[k] = ""
    return "".join(resolved)


def _grammatical(doc: Doc, clusters: List[Cluster]) -> str:
    # Every (mention, its replacement source) pair, outermost first; each source's own text
    # is resolved once per cluster, not once per mention that points to it.
    candidates = []
    for cluster in clusters:
        source = _replacement_source(cluster)
        if source is None:
            continue
        for mention in cluster:
            if not same_span(mention, source) and not _is_kept(mention) and not _overlaps(mention, source):
                candidates.append((mention.start, -mention.end, mention, source))
    candidates.sort(key=lambda c: c[:2])
    annotations = Annotations.of(doc)
    starts = [c[0] for c in candidates]
    source_texts: Dict[Tuple[int, int], str] = {}

    def source_text(source: Span) -> str:
        # "his company" as a replacement reads "Elon Musk's company"; one level is enough
        # and cannot loop.
        key = (source.start, source.end)
        if key not in source_texts:
            inner = select(source.start, source.end, lambda s: s.text)
            source_texts[key] = _apply(doc, source.start, source.end, inner, final_ws=False)
        return source_texts[key]

    def select(lo: int, hi: int, text_of) -> List[Replacement]:
        # Outermost first: a longer mention hides the mentions nested in it.
        chosen: List[Replacement] = []
        taken_until = lo
        for start, _, mention, source in candidates[bisect_left(starts, lo) :]:
            if start >= hi:
                break
            if mention.end > hi or start < taken_until:
                continue
            chosen.append((start, mention.end, _fit(doc, mention, source, text_of(source), annotations)))
            taken_until = mention.end
        return chosen

    return _apply(doc, 0, len(doc), select(0, len(doc), source_text))


def _replacement_source(cluster: Cluster) -> Optional[Span]:
    # The cluster's main mention when it is not a pronoun, else its first name or noun phrase.
    if cluster.main is not None and not is_pronoun(cluster.main):
        return cluster.main
    for mention in cluster:
        if not is_pronoun(mention):
            return mention
    return None


def _fit(doc: Doc, mention: Span, source: Span, text: str, annotations: Annotations) -> str:
    """Shape the replacement for the mention's place: possessive, first-letter case."""
    if _is_possessive(mention, annotations):
        last = source[-1]
        if last.lower_ not in ("'s", "'", "’s", "’"):
            plural_s = last.tag_ in ("NNS", "NNPS") and text.endswith("s")
            text += "'" if plural_s else "'s"
    if starts_sentence(doc, mention.start, annotations):
        return text[:1].upper() + text[1:]
    first = source[0]
    # Lower only the source's own first word, not a name that replaced it.
    if starts_sentence(doc, first.i, annotations) and _lowerable(first, annotations) and text.startswith(first.text):
        return text[:1].lower() + text[1:]
    return text


def _lowerable(token, annotations: Annotations) -> bool:
    # Only a word capitalised for its position is lowered, never a name or "I".
    if annotations.tag and token.pos_ == "PROPN":
        return False
    return token.lower_ in LOWERABLE_FIRST_WORDS or (annotations.tag and token.pos_ in ("DET", "NOUN", "ADJ", "NUM"))


def _is_kept(mention: Span) -> bool:
    return len(mention) == 1 and mention[0].lower_ in KEPT_PRONOUNS


def _is_possessive(mention: Span, annotations: Annotations) -> bool:
    if len(mention) != 1:
        return False
    token = mention[0]
    if token.lower_ in POSSESSIVES:
        return True
    if token.lower_ != "her":
        return False
    if annotations.tag:
        return token.tag_ == "PRP$"
    if annotations.dep:
        return token.dep_ == "poss"
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return following is not None and following.is_alpha and following.lower_ not in AFTER_OBJECT_HER


def _apply(doc: Doc, lo: int, hi: int, replacements: List[Replacement], final_ws: bool = True) -> str:
    parts = []
    i = lo
    for start, end, text in sorted(replacements):
        parts.extend(t.text_with_ws for t in doc[i:start])
        parts.append(text + doc[end - 1].whitespace_)
        i = end
    parts.extend(t.text_with_ws for t in doc[i:hi])
    out = "".join(parts)
    if not final_ws and hi > lo and doc[hi - 1].whitespace_:
        out = out[: -len(doc[hi - 1].whitespace_)]
    return out


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def output_setting_problem(cfg: Dict[str, object]) -> Optional[Tuple[str, str]]:
    """The first bad setting of how a coref component writes clusters and resolves text, as
    (setting, what to do), or None; each component raises it with its own error code."""
    prefix = cfg["span_prefix"]
    if not isinstance(prefix, str) or not prefix or prefix.endswith("_"):
        return "span_prefix", "use a non-empty name not ending in '_'"
    if cfg["resolve"] not in RESOLVE_STYLES:
        return "resolve", f"use one of {RESOLVE_STYLES} (grammatical is the default)"
    return None
