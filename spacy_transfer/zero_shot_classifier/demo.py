"""`python -m spacy_transfer demo`: zero-shot classification with the packaged MiniLM model."""

from typing import List, Tuple

from wasabi import msg

# fmt: off
DEMO_LABELS = ["travel", "cooking", "banking", "sports", "weather", "technology"]
DEMO_TEXTS = [
    "I need to book a cheap flight to Lisbon for next weekend.",
    "Simmer the tomatoes with garlic for twenty minutes, then add the basil.",
    "Why was my card payment declined at the supermarket?",
    "The home team won the match 3-1 after two late goals.",
    "Heavy rain and strong winds are expected across the north tomorrow.",
]
# One document brings its own label set through doc._.candidate_labels.
PER_DOC = ("My new phone keeps crashing whenever I open the camera app.", ["hardware problem", "billing question", "shipping delay"])
# fmt: on


def run_demo(nlp_base) -> None:
    """Classify a few sample texts with the embedding backend (no download, CPU).

    nlp_base (Language): A loaded pipeline; only its language and vocab are used, so it
        is left unchanged.
    """
    import spacy

    nlp = spacy.blank(nlp_base.lang, vocab=nlp_base.vocab)
    nlp.add_pipe("zero_shot_classifier", config={"labels": DEMO_LABELS})
    msg.divider("zero_shot_classifier (embedding backend, packaged all-MiniLM-L6-v2)")
    msg.text(f"Candidate labels: {', '.join(DEMO_LABELS)}")
    rows: List[Tuple[str, str, str]] = []
    for doc in nlp.pipe(DEMO_TEXTS):
        best = max(doc.cats, key=doc.cats.get)
        rows.append((_short(doc.text), best, f"{doc.cats[best]:.2f}"))
    doc = nlp.make_doc(PER_DOC[0])
    doc._.candidate_labels = PER_DOC[1]
    doc = nlp(doc)
    best = max(doc.cats, key=doc.cats.get)
    rows.append((_short(doc.text) + " [own labels]", best, f"{doc.cats[best]:.2f}"))
    msg.table(rows, header=("text", "top label", "score"), divider=True, widths=(74, 18, 5))


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
