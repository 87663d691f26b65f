"""Small components for the annotate tests, loaded with `--code` like a user's own file.

They write to the containers the real components use (doc.cats, doc.spans["coref_clusters_N"],
a Doc extension for emotions), so the output extraction is tested without the real models.
"""

import os
import time

from spacy.language import Language
from spacy.tokens import Doc

EMOTIONS_ATTR = "annotate_test_emotions"


@Language.component("annotate_test_cats")
def annotate_test_cats(doc):
    doc.cats = {"LONG": float(len(doc) > 8), "HAS_ENT": float(len(doc.ents) > 0)}
    return doc


@Language.component("annotate_test_coref")
def annotate_test_coref(doc):
    # One "cluster" per entity label with two or more mentions, numbered from 1.
    by_label = {}
    for ent in doc.ents:
        by_label.setdefault(ent.label_, []).append(ent)
    clusters = [spans for _, spans in sorted(by_label.items()) if len(spans) > 1]
    for i, spans in enumerate(clusters, start=1):
        doc.spans[f"coref_clusters_{i}"] = spans
    return doc


@Language.component("annotate_test_emotions")
def annotate_test_emotions(doc):
    if not Doc.has_extension(EMOTIONS_ATTR):
        Doc.set_extension(EMOTIONS_ATTR, default=None)
    n_words = max(len(doc), 1)
    doc._.set(
        EMOTIONS_ATTR,
        {"excited": sum(t.text == "!" for t in doc) / n_words, "calm": sum(t.is_alpha for t in doc) / n_words},
    )
    return doc


@Language.component("annotate_test_fail")
def annotate_test_fail(doc):
    if "BOOM" in doc.text:
        raise ValueError("found BOOM in the text")
    return doc


@Language.component("annotate_test_slow")
def annotate_test_slow(doc):
    # Lets the crash test kill the run while it is in the middle of the input.
    time.sleep(float(os.environ.get("ANNOTATE_TEST_SLEEP", "0")))
    return doc


if not Doc.has_extension(EMOTIONS_ATTR):
    Doc.set_extension(EMOTIONS_ATTR, default=None)


class FailingPipe:
    """A component with its own `pipe` and no error handler, like spaCy's Cython parser:
    when it raises, `nlp.pipe` itself stops."""

    def __call__(self, doc):
        if "BOOM" in doc.text:
            raise RuntimeError("pipe-level BOOM")
        return doc

    def pipe(self, docs, batch_size=128):
        for doc in docs:
            yield self(doc)


@Language.factory("annotate_test_fail_pipe")
def make_failing_pipe(nlp, name):
    return FailingPipe()
