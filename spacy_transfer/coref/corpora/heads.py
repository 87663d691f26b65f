"""Head words of gold mentions, for training the `coref` component.

The word-level model learns to link head words, so each gold mention needs one. They come
from a dependency parse of the gold tokens (the parser of a pipeline such as
en_core_web_sm, run on the gold words unchanged), stored once beside the clusters as
one-token spans `doc.spans["coref_heads_N"]`, parallel to `doc.spans["coref_clusters_N"]`.
"""

from pathlib import Path
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..clusters import DEFAULT_CLUSTER_PREFIX, HEAD_PREFIX, cluster_keys


def add_heads(
    docs: Iterable[Doc], nlp: Language, span_prefix: str = DEFAULT_CLUSTER_PREFIX, batch_size: int = 8
) -> Iterator[Doc]:
    """Yield the docs with `coref_heads_N` groups: each mention's root in nlp's parse.

    docs (Iterable[Doc]): gold docs with clusters in doc.spans[f"{span_prefix}_N"].
    nlp (Language): a pipeline with a parser; it annotates copies of the docs' words.
    span_prefix (str): prefix of the cluster groups.
    """
    docs = list(docs)
    copies = (Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in docs)
    for doc, parsed in zip(docs, nlp.pipe(copies, batch_size=batch_size)):
        for key in cluster_keys(doc, span_prefix):
            number = key.rpartition("_")[2]
            roots = [parsed[m.start : m.end].root.i for m in doc.spans[key]]
            doc.spans[f"{HEAD_PREFIX}_{number}"] = [doc[i : i + 1] for i in roots]
        yield doc


def add_heads_to_file(in_path: Path, out_path: Path, nlp: Language, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> int:
    """Read a .spacy file, add heads, write it to out_path; returns the number of docs."""
    docs = list(DocBin().from_disk(in_path).get_docs(nlp.vocab))
    out = DocBin(store_user_data=True)
    for doc in add_heads(docs, nlp, span_prefix):
        out.add(doc)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out.to_disk(out_path)
    return len(docs)
