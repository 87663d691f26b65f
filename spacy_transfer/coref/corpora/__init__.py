"""Coreference data: gold docs from CoNLL-2012 and e2e-coref JSON lines (records, conll, jsonl, convert), the
corpus reader `spacy_transfer.CorefCorpus.v1` (corpus), the head words that training the `coref` component
needs (heads), gender-swapped training copies (gender_swap) and their commands (`convert-coref`,
`coref-heads`). The gold docs use the format of `spacy_transfer.coref` (clusters.py).

DOCS: docs/coref_training.md
"""
