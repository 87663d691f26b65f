"""The `fasttext_vectors` pipeline component: fastText subword vectors for every token, OOV words included.

    nlp.add_pipe("fasttext_vectors", config={"path": "cc.en.300.bin"})   # or an init-fasttext directory
    doc = nlp("I loved the mvoie")
    doc[3].similarity(nlp("movie")[0])   # high: the misspelling shares most n-grams

Without a `path`, the packaged "gutenberg-en" vectors are used: a small model (100 dims, 19 k words) trained
here on 36 public-domain novels, good for trying the component, not a substitute for cc.en.300.bin.

The component sets user hooks (`token.vector`, `span.vector`, `doc.vector`, `has_vector`, `vector_norm`,
`similarity`); it trains nothing and stores nothing on the doc. Vectors come from a memory-mapped table opened
once per process (`vectors.open_vectors`), shared with the `spacy_transfer.FastTextEmbed.v1` layer.

`nlp.pipe(n_process=N)`: spaCy sends docs back from its worker processes as `Doc.to_bytes()`, which drops user
hooks (its warning W109), so the docs would silently fall back to other vectors. The factory therefore wraps the
pipeline's `_multiprocessing_pipe` (`RestoreHooks`), which installs the hooks again on every doc that comes back.
"""

import functools
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path, from_bytes, minibatch, to_bytes
from spacy.vocab import Vocab
from thinc.api import Config

from ..errors import Errors
from .hooks import Definitions, FastTextHooks
from .settings import check_settings
from .vectors import FastTextVectors, open_vectors

DEFAULT_VECTORS = "gutenberg-en"
# No Thinc model: the whole component section is the default, written as a config string like the others.
default_config = f"""
[fasttext_vectors]
path = "{DEFAULT_VECTORS}"
lowercase = false
"""
DEFAULT_FASTTEXT_VECTORS_CONFIG = Config().from_str(default_config)["fasttext_vectors"]
VECTORS_DIR = "vectors"
DEFINITIONS_FILE = "definitions.msg"
CFG_FILE = "cfg"


@Language.factory(
    "fasttext_vectors",
    assigns=[],
    requires=[],
    default_config=DEFAULT_FASTTEXT_VECTORS_CONFIG,
    default_score_weights={},
)
def make_fasttext_vectors(nlp: Language, name: str, path: Optional[str], lowercase: bool) -> "FastTextVectorsComponent":
    """Create a `fasttext_vectors` component.

    path (Optional[str]): a fastText `.bin`/`.vec` file, an `init-fasttext` directory or the name of packaged
        vectors (default "gutenberg-en"). May be null when the pipeline is loaded from disk (the saved copy of the
        vectors is used).
    lowercase (bool): look up lower-cased token texts (for models trained on lower-cased text).
    """
    RestoreHooks.install(nlp)
    return FastTextVectorsComponent(nlp.vocab, name=name, path=path, lowercase=lowercase)


class RestoreHooks:
    """Stands in for one pipeline's `Language._multiprocessing_pipe`: the docs that come back from the worker
    processes get the user hooks of the fasttext_vectors components that ran on them, as with n_process=1.

    A picklable object rather than a closure, so that the pipeline still pickles.
    """

    def __init__(self, nlp: Language):
        self.nlp = nlp

    @classmethod
    def install(cls, nlp: Language) -> None:
        """Wrap `nlp._multiprocessing_pipe` once (an instance attribute: other pipelines are unchanged)."""
        if not isinstance(nlp.__dict__.get("_multiprocessing_pipe"), cls):
            nlp._multiprocessing_pipe = cls(nlp)  # type: ignore[method-assign]

    def __call__(self, texts: Iterable[Any], pipes: List[Callable], n_process: int, batch_size: int) -> Iterator[Doc]:
        components = self._components(pipes)
        docs = Language._multiprocessing_pipe(self.nlp, texts, pipes, n_process, batch_size)
        if not components:
            yield from docs
            return
        hooks = [component.hooks for component in components]
        for doc in docs:
            for hook in hooks:
                hook.install(doc)
            yield doc

    def _components(self, pipes: List[Callable]) -> List["FastTextVectorsComponent"]:
        """The fasttext_vectors components among the pipes of this call (disabled ones are not in `pipes`)."""
        procs = [p.keywords.get("proc") for p in pipes if isinstance(p, functools.partial)]
        if len(procs) != len(pipes):  # not spaCy 3's functools.partial(_pipe, proc=...): use the pipeline
            procs = [proc for _, proc in self.nlp.pipeline]
        return [proc for proc in procs if isinstance(proc, FastTextVectorsComponent)]


class FastTextVectorsComponent:
    """Give every token, span and doc a fastText vector through user hooks.

    DOCS: docs/fasttext_vectors.md
    """

    def __init__(self, vocab: Vocab, name: str = "fasttext_vectors", *, path: Optional[str], lowercase: bool):
        """Initialize the component; the vectors open lazily on first use.

        vocab (Vocab): the shared vocabulary.
        name (str): the component name.
        path (Optional[str]): fastText `.bin`/`.vec` or `init-fasttext` directory.
        lowercase (bool): look up lower-cased token texts.
        """
        check_settings({"path": path, "lowercase": lowercase})
        self.vocab = vocab
        self.name = name
        self.cfg = {"path": None if path is None else str(path), "lowercase": lowercase}
        self.definitions: Definitions = {}
        self._table: Optional[FastTextVectors] = None
        self._hooks: Optional[FastTextHooks] = None

    @property
    def table(self) -> FastTextVectors:
        """The vector table (opened from `cfg["path"]` on first use)."""
        if self._table is None:
            if not self.cfg["path"]:
                raise ValueError(Errors.E107.format(name=self.name))
            self._table = open_vectors(self.cfg["path"])
        return self._table

    @property
    def hooks(self) -> FastTextHooks:
        if self._hooks is None or self._hooks.table is not self.table:
            self._hooks = FastTextHooks(self.table, self.definitions, self.cfg["lowercase"])
        return self._hooks

    def __call__(self, doc: Doc) -> Doc:
        """Install the vector hooks on a doc and look its words up in one batch (so later per-token calls hit
        the cache).

        doc (Doc): the document.
        RETURNS (Doc): the same doc.
        """
        hooks = self.hooks
        hooks.install(doc)
        if len(doc):
            self.table.prefetch([hooks.key(t.text) for t in doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Apply the component to a stream of docs, one table lookup per batch.

        stream (Iterable[Doc]): the docs.
        batch_size (int): docs per lookup batch.
        YIELDS (Doc): the docs with hooks.
        """
        hooks = self.hooks
        for batch in minibatch(stream, size=batch_size):
            self.table.prefetch([hooks.key(t.text) for doc in batch for t in doc])
            for doc in batch:
                hooks.install(doc)
                yield doc

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None) -> None:
        """Open the vectors now, so that a wrong path fails at `nlp.initialize()` rather than on first use."""
        self.table  # noqa: B018 (opening the table is the point)

    def get_vectors(self, words: Sequence[str]) -> np.ndarray:
        """fastText vectors (defined ones first) of any strings.

        words (Sequence[str]): the strings.
        RETURNS (np.ndarray): float32 array (len(words), dim).
        """
        return self.hooks.text_vectors(list(words))

    def define(self, word: str, words: Union[str, Sequence[str]]) -> np.ndarray:
        """Give `word` (a token text, or a span text such as "Kendall Jenner") the mean vector of `words`.

        word (str): the text to define.
        words (Union[str, Sequence[str]]): the words whose mean vector it gets, e.g. ["woman", "model"].
        RETURNS (np.ndarray): the stored vector.
        """
        if isinstance(words, str):
            words = [words]
        if not word or not words:
            raise ValueError(
                Errors.E108.format(
                    word=word,
                    detail="need a non-empty word and at least one word "
                    "to average, e.g. define('Kendall Jenner', ['woman', 'model'])",
                )
            )
        vectors = self.get_vectors(words)
        if not np.any(vectors):
            raise ValueError(Errors.E108.format(word=word, detail=f"none of {list(words)} has a vector"))
        self.definitions[self.hooks.key(word)] = vectors.mean(axis=0).astype(np.float32)
        return self.definitions[self.hooks.key(word)]

    # --- serialization: cfg, definitions and a memory-mappable copy of the vectors ---
    def _definitions_msg(self) -> Dict:
        words = list(self.definitions)
        table = np.stack([self.definitions[w] for w in words]) if words else np.zeros((0, 0), np.float32)
        return {"words": words, "vectors": table.tobytes(), "shape": list(table.shape)}

    def _load_definitions(self, msg: Dict) -> None:
        table = np.frombuffer(msg["vectors"], dtype=np.float32).reshape(msg["shape"])
        self.definitions.clear()
        self.definitions.update({w: table[i].copy() for i, w in enumerate(msg["words"])})

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """Serialize cfg and definitions (not the vectors, which stay at `cfg["path"]`)."""
        return to_bytes({"cfg": lambda: self.cfg, "definitions": self._definitions_msg}, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "FastTextVectorsComponent":
        from_bytes(bytes_data, {"cfg": self.cfg.update, "definitions": self._load_definitions}, exclude)
        self._table, self._hooks = None, None
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Save cfg, definitions and the vectors as an init-fasttext directory (a .bin source is exported at
        full precision, so the saved pipeline gives the same vectors)."""
        from .export import export_fasttext
        from .io import copy_export

        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / CFG_FILE, self.cfg)
        srsly.write_msgpack(path / DEFINITIONS_FILE, self._definitions_msg())
        if self.cfg["path"] and VECTORS_DIR not in exclude:
            source = Path(self.table.path)
            if source.resolve() != (path / VECTORS_DIR).resolve():
                if source.is_dir():
                    copy_export(source, path / VECTORS_DIR)
                else:
                    export_fasttext(source, path / VECTORS_DIR)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "FastTextVectorsComponent":
        path = ensure_path(path)
        self.cfg.update(srsly.read_json(path / CFG_FILE))
        self._load_definitions(srsly.read_msgpack(path / DEFINITIONS_FILE))
        if (path / VECTORS_DIR).is_dir():
            self.cfg["path"] = str((path / VECTORS_DIR).resolve())
        self._table, self._hooks = None, None
        return self
