"""User hooks that give tokens, spans and docs fastText vectors (OOV words included).

The hook objects are small picklable classes, not closures, so docs that carry them still pickle: the vector
table pickles as its path (see `FastTextVectors.__reduce__`).
"""

from typing import Dict, List, Union

import numpy as np
from spacy.lexeme import Lexeme
from spacy.tokens import Doc, Span, Token

from .vectors import FastTextVectors

Definitions = Dict[str, np.ndarray]


class FastTextHooks:
    """Vector functions over one table, with user-defined vectors taking precedence.

    table (FastTextVectors): the fastText vectors.
    definitions (Definitions): custom vectors by text, shared with the component (`define`).
    lowercase (bool): look up lower-cased token texts.
    """

    def __init__(self, table: FastTextVectors, definitions: Definitions, lowercase: bool):
        self.table = table
        self.definitions = definitions
        self.lowercase = lowercase

    def key(self, text: str) -> str:
        return text.lower() if self.lowercase else text

    def text_vectors(self, texts: List[str]) -> np.ndarray:
        """Vectors of token texts, in one batched lookup."""
        keys = [self.key(t) for t in texts]
        vectors = self.table.get_vectors(keys)
        if self.definitions:
            for i, key in enumerate(keys):
                if key in self.definitions:
                    vectors[i] = self.definitions[key]
        return vectors

    def text_vector(self, text: str) -> np.ndarray:
        key = self.key(text)
        defined = self.definitions.get(key)
        return defined if defined is not None else self.table.get_vector(key)

    # --- tokens ---
    def token_vector(self, token: Token) -> np.ndarray:
        return self.text_vector(token.text)

    def token_has_vector(self, token: Token) -> bool:
        key = self.key(token.text)
        return key in self.definitions or self.table.has_vector(key)

    def token_vector_norm(self, token: Token) -> float:
        return float(np.linalg.norm(self.token_vector(token)))

    # --- spans ---
    def span_vector(self, span: Span) -> np.ndarray:
        defined = self.definitions.get(self.key(span.text))
        if defined is not None:
            return defined
        if len(span) == 0:
            return np.zeros(self.table.dim, dtype=np.float32)
        return self.text_vectors([t.text for t in span]).mean(axis=0)

    def span_has_vector(self, span: Span) -> bool:
        return self.key(span.text) in self.definitions or any(self.token_has_vector(t) for t in span)

    # --- docs ---
    def doc_vector(self, doc: Doc) -> np.ndarray:
        return self.span_vector(doc[:])

    def doc_has_vector(self, doc: Doc) -> bool:
        return self.span_has_vector(doc[:])

    def doc_vector_norm(self, doc: Doc) -> float:
        return float(np.linalg.norm(self.doc_vector(doc)))

    def vector_of(self, obj: Union[Token, Span, Doc, Lexeme]) -> np.ndarray:
        if isinstance(obj, Lexeme):  # lexemes have no doc, hence no hooks
            return self.text_vector(obj.text)
        if isinstance(obj, Token):
            return self.token_vector(obj)
        if isinstance(obj, Span):
            return self.span_vector(obj)
        if isinstance(obj, Doc):
            return self.doc_vector(obj)
        return np.asarray(obj.vector, dtype=np.float32)

    def similarity(self, this: Union[Token, Span, Doc], other: Union[Token, Span, Doc, Lexeme]) -> float:
        """Cosine similarity of the two objects' vectors (0.0 when either is zero)."""
        a, b = self.vector_of(this), self.vector_of(other)
        norm = float(np.linalg.norm(a)) * float(np.linalg.norm(b))
        return float(np.dot(a, b) / norm) if norm > 0 else 0.0

    def install(self, doc: Doc) -> None:
        """Set the user hooks on `doc` (spans and tokens read them from their doc)."""
        doc.user_hooks.update(
            vector=self.doc_vector,
            has_vector=self.doc_has_vector,
            vector_norm=self.doc_vector_norm,
            similarity=self.similarity,
        )
        # no span "vector_norm" hook: spaCy 3.8's Span.vector_norm calls the "vector" hook for it
        doc.user_span_hooks.update(vector=self.span_vector, has_vector=self.span_has_vector, similarity=self.similarity)
        doc.user_token_hooks.update(
            vector=self.token_vector,
            has_vector=self.token_has_vector,
            vector_norm=self.token_vector_norm,
            similarity=self.similarity,
        )
