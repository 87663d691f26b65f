"""`python -m spacy_transfer demo` part for neuralcoref: clusters and resolved text of sample texts."""

from wasabi import msg

from ..coref.demo import SAMPLE_TEXTS, print_clusters


def run_demo(nlp_base) -> None:
    """Add neuralcoref (original weights) to an English pipeline and print its clusters, with and without a
    conversion dictionary, and the command that shows them in a browser."""
    base_name = nlp_base.meta.get("name", "?")
    nlp_base.add_pipe("neuralcoref")
    msg.divider(f"neuralcoref on {nlp_base.meta.get('lang')}_{base_name} {nlp_base.meta.get('version')}")
    print_clusters(nlp_base(text) for text in SAMPLE_TEXTS)
    nlp_base.get_pipe("neuralcoref").set_conv_dict({"Deepika": ["woman", "actress"]})
    doc = nlp_base(SAMPLE_TEXTS[1])
    print('with conv_dict {"Deepika": ["woman", "actress"]}:')
    print(f"clusters: {doc._.coref_clusters}")
    print(f"resolved: {doc._.coref_resolved}\n")
    pipeline = f"{nlp_base.meta.get('lang')}_{base_name} + neuralcoref"
    print(f'See the clusters in your browser: python -m spacy_transfer visualize "{pipeline}"\n')
