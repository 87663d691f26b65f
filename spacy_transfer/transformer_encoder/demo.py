"""`python -m spacy_transfer demo`: contextual token vectors from the packaged MiniLM transformer."""

from typing import List

from wasabi import msg

# fmt: off
BANK_TEXTS = [
    "We had a picnic on the bank of the river.",
    "The fishermen sat on the muddy bank all afternoon.",
    "I opened a savings account at the bank yesterday.",
]
# fmt: on


def _cosine(a, b) -> float:
    import numpy

    return float(a @ b / (numpy.linalg.norm(a) * numpy.linalg.norm(b) + 1e-12))


def run_demo(nlp_base) -> None:
    """Add transformer_encoder after a loaded pipeline and show what it writes.

    nlp_base (Language): a loaded pipeline (e.g. en_core_web_sm); the encoder is added to it and replaces
        doc.tensor after the pipeline's own components have run.
    """
    nlp = nlp_base
    if "transformer_encoder" not in nlp.pipe_names:
        nlp.add_pipe("transformer_encoder", last=True)  # weights load on first use: no initialize
    msg.divider("transformer_encoder (packaged all-MiniLM-L6-v2, CPU)")
    docs = list(nlp.pipe(BANK_TEXTS))
    for doc in docs:
        data = doc._.trf_data
        msg.text(f"{doc.text!r}: {len(doc)} tokens, {len(data['wp_ids'])} wordpieces -> doc.tensor {doc.tensor.shape}")
    banks = [doc.tensor[[t.i for t in doc if t.lower_ == "bank"][0]] for doc in docs]
    rows: List[tuple] = [
        ("river bank vs muddy bank", f"{_cosine(banks[0], banks[1]):.3f}"),
        ("river bank vs savings bank", f"{_cosine(banks[0], banks[2]):.3f}"),
    ]
    msg.table(rows, header=("contextual vectors of 'bank'", "cosine"), divider=True)
    doc = nlp("Supercalifragilisticexpialidocious, isn't it?")
    data = doc._.trf_data
    pieces = [int((data["align_tok"] == i).sum()) for i in range(len(doc))]
    msg.text("wordpieces per token: " + ", ".join(f"{t.text!r}={n}" for t, n in zip(doc, pieces)))
