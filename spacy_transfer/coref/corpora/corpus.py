"""Corpus reader for coreference DocBins: `spacy_transfer.CorefCorpus.v1`."""

import random
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import registry

from ...errors import Errors
from .records import copy_without_clusters


@registry.readers("spacy_transfer.CorefCorpus.v1")
def create_coref_corpus_reader(
    path: Optional[Path],
    limit: int = 0,
    shuffle: bool = False,
    keep_sent_starts: bool = True,
) -> Callable[[Language], Iterable[Example]]:
    """Read gold coreference docs from .spacy files made by `convert-coref`.

    path (Optional[Path]): A .spacy file or a directory searched for them.
    limit (int): Read at most this many docs (0: all).
    shuffle (bool): Shuffle the docs on every pass (spaCy's training loop already
        shuffles batches; this also shuffles before `limit` applies).
    keep_sent_starts (bool): Give the predicted docs the gold sentence starts.
    RETURNS (Callable[[Language], Iterable[Example]]): The corpus.
    """
    return CorefCorpus(path, limit=limit, shuffle=shuffle, keep_sent_starts=keep_sent_starts)


class CorefCorpus:
    """Yields Examples whose reference doc holds the gold clusters (span groups
    `coref_clusters_N`, doc key, speakers) and whose predicted doc has only the
    words, spaces, doc key/speakers and (optionally) sentence starts.

    DOCS: docs/coref_training.md#corpus-reader
    """

    def __init__(
        self,
        path: Optional[Union[str, Path]],
        *,
        limit: int = 0,
        shuffle: bool = False,
        keep_sent_starts: bool = True,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.limit = limit
        self.shuffle = shuffle
        self.keep_sent_starts = keep_sent_starts

    def files(self) -> List[Path]:
        """RETURNS (List[Path]): The .spacy files read, sorted."""
        if self.path is None or not self.path.exists():
            raise ValueError(Errors.E066.format(path=self.path))
        if self.path.is_file():
            return [self.path]
        found = sorted(self.path.rglob("*.spacy"))
        if not found:
            raise ValueError(Errors.E066.format(path=self.path))
        return found

    def read_docs(self, nlp: Language) -> Iterator[Doc]:
        for path in self.files():
            yield from DocBin().from_disk(path).get_docs(nlp.vocab)

    def __call__(self, nlp: Language) -> Iterator[Example]:
        docs: Iterable[Doc] = self.read_docs(nlp)
        if self.shuffle:
            docs = list(docs)
            random.shuffle(docs)
        for i, reference in enumerate(docs):
            if self.limit and i >= self.limit:
                break
            predicted = copy_without_clusters(reference, keep_sent_starts=self.keep_sent_starts)
            yield Example(predicted, reference)
