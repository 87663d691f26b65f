"""`python -m spacy_transfer demo` part for torchmoji: emotions of sample sentences."""

from wasabi import msg

SAMPLE_TEXTS = [
    "Thank you so much, this made my day!",
    "I can't believe they cancelled the show. What a joke.",
    "I'm really worried about the exam tomorrow.",
    "Wow, I had no idea that was possible! Is it real?",
    "My dog died this morning. I miss him already.",
]


def run_demo(nlp_base) -> None:
    """Add the default torchmoji component (shipped GoEmotions weights) and print
    document and sentence emotions for a few texts.
    """
    nlp_base.add_pipe("torchmoji")
    msg.divider("torchmoji: emotions (GoEmotions, 28 labels)")
    for doc in nlp_base.pipe(SAMPLE_TEXTS):
        emotions = ", ".join(f"{label} {score:.2f}" for label, score in doc._.emotions)
        print(f"{doc.text}\n  -> {emotions}")
        sents = list(doc.sents)
        if len(sents) > 1:
            for sent in sents:
                top = ", ".join(f"{label} {score:.2f}" for label, score in sent._.emotions)
                print(f"     [{sent.text}] {top}")
    print(f"  doc._.torchmoji_vector: {len(doc._.torchmoji_vector)} dimensions")
