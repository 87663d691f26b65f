"""`python -m spacy_transfer demo` part for coref: the word-level model on sample texts.

neuralcoref's demo uses the same texts and printout, so the two outputs read side by side.
"""

from wasabi import msg

SAMPLE_TEXTS = [
    "My sister has a dog. She loves him.",
    "Deepika has a dog. She loves him. The movie star has always been fond of animals.",
    "Emma met Mr. Knightley at the gate. He told her that the Westons had arrived, " "and she hurried to greet them.",
]


def print_clusters(docs) -> None:
    """Print each doc's text, clusters and resolved text."""
    for doc in docs:
        print(f"text:     {doc.text}")
        print(f"clusters: {doc._.coref_clusters}")
        print(f"resolved: {doc._.coref_resolved}\n")


def run_demo(nlp_base) -> None:
    """Add the shipped coref component to an English pipeline and print its clusters for the sample texts."""
    try:  # keep the demo output readable: no weight-loading progress bars
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    nlp_base.add_pipe("coref")
    msg.divider("coref (word-level, MiniLM top layers and head trained on LitBank + GUM)")
    print_clusters(nlp_base(text) for text in SAMPLE_TEXTS)
