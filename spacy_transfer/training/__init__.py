"""Training data tools shared by components: converters to .spacy DocBins (no component imports)."""
