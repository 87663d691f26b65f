"""`python -m spacy_transfer demo` part for fasttext_vectors: vectors for words the model never saw."""

import numpy as np
from wasabi import msg

MISSPELLINGS = [("beautiful", "beautfiul"), ("gentleman", "gentelman"), ("afternoon", "afternon")]
UNSEEN_WORDS = ["grandmotherly", "steamboatmen", "horsewoman", "bookshelves"]
UNRELATED = ("gentleman", "afternoon")


def nearest_words(words: list, matrix: np.ndarray, vector: np.ndarray, exclude: str, n: int = 4) -> list:
    """The `n` of `words` whose rows of `matrix` are closest (cosine) to `vector`."""
    norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(vector) or 1.0)
    scores = matrix @ vector / np.where(norms > 0, norms, 1.0)
    ranked = (words[i] for i in np.argsort(-scores) if words[i].lower() != exclude.lower())
    return [w for w in ranked if w.isalpha()][:n]


def run_demo(nlp_base) -> None:
    """Add the component with its packaged vectors (gutenberg-en) and show what subword vectors give spaCy:
    misspellings close to their word, unseen words with sensible neighbours, and `define`.
    """
    pipe = nlp_base.add_pipe("fasttext_vectors")
    table = pipe.table
    msg.divider(f"fasttext_vectors (packaged gutenberg-en: {len(table):,} words, {table.dim} dims)")
    rows = []
    for word, typo in MISSPELLINGS:
        doc = nlp_base(f"{word} {typo}")
        note = "typo in the vocabulary" if typo in table else "typo never seen"
        rows.append((f"{word} ~ {typo}", note, f"{doc[0].similarity(doc[1]):.2f}"))
    doc = nlp_base(" ".join(UNRELATED))
    rows.append((" ~ ".join(UNRELATED), "unrelated words", f"{doc[0].similarity(doc[1]):.2f}"))
    msg.table(rows, header=("pair", "", "similarity"), divider=True)
    vocab = table.model.words
    vocab_vectors = table.get_vectors(vocab)
    for word in UNSEEN_WORDS:
        token = nlp_base(word)[0]
        status = "in vocabulary" if word in table else "never seen: n-grams only"
        nearest = nearest_words(vocab, vocab_vectors, token.vector, word)
        print(f"{word!r} ({status}) -> nearest: {', '.join(nearest)}")
    pipe.define("Kendall Jenner", ["woman", "model"])
    doc = nlp_base("Kendall Jenner met a woman and a man.")
    span, woman, man = doc[0:2], doc[4], doc[7]
    print(
        f"define('Kendall Jenner', ['woman', 'model']): similarity to 'woman' "
        f"{span.similarity(woman):.2f}, to 'man' {span.similarity(man):.2f}"
    )
