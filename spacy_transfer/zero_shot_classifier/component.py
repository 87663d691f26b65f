"""The zero_shot_classifier component: zero-shot text classification into doc.cats.

No torch or transformers at module level: spaCy imports this module through the
entry point on every spacy.blank(). The backend model is loaded on first use.
"""

import json
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.util import ensure_path, from_bytes, minibatch, to_bytes
from spacy.vocab import Vocab
from thinc.api import Config

from ..errors import Errors, check_n_preds
from .extensions import CANDIDATE_LABELS_ATTR, install_extensions
from .scorer import make_zero_shot_scorer  # noqa: F401 (registers the scorer)
from .settings import check_settings
from .util import check_label_list, label_texts

# Held while a model loads on first use, so that threads sharing a pipeline load it once (module-level: a
# lock does not pickle, and components pickle for nlp.pipe(n_process=...)).
_LOAD_LOCK = threading.Lock()

# "This example is {}." is transformers' NLI default. For the embedding backend the
# bare label scored best on dev (CLINC150 val 70.0% vs 66.0%, Banking77 dev 60.8% vs 56.9%).
DEFAULT_TEMPLATES = {"nli": "This example is {}.", "embedding": "{}"}

# hypothesis_template = null means the backend's default, DEFAULT_TEMPLATES below.
# temperature and threshold calibrate the embedding backend's cosine similarities
# for the default model (MiniLM) and template. They were fitted on dev data only
# (CLINC150 val and a fixed 10% of Banking77 train) by `calibrate` in
# projects/zero_shot; see docs/zero_shot_classifier.md#calibration.
default_config = """
[zero_shot_classifier]
labels = []
label_descriptions = {}
hypothesis_template = null
multi_label = false
backend = "embedding"
model = null
depth = null
batch_size = 32
max_length = null
temperature = 0.0532
threshold = 0.638
overwrite = false

[zero_shot_classifier.scorer]
@scorers = "spacy_transfer.zero_shot_scorer.v1"
"""
DEFAULT_ZERO_SHOT_CLASSIFIER_CONFIG = Config().from_str(default_config)["zero_shot_classifier"]

#: Per document: the labels scored and their scores, in label order.
LabelScores = Tuple[List[str], numpy.ndarray]


@Language.factory(
    "zero_shot_classifier",
    assigns=["doc.cats"],
    default_config=DEFAULT_ZERO_SHOT_CLASSIFIER_CONFIG,
    default_score_weights={"cats_score": 1.0, "cats_acc": 0.0},
)
def make_zero_shot_classifier(
    nlp: Language,
    name: str,
    labels: List[str],
    label_descriptions: Dict[str, str],
    hypothesis_template: Optional[str],
    multi_label: bool,
    backend: str,
    model: Optional[str],
    depth: Optional[int],
    batch_size: int,
    max_length: Optional[int],
    temperature: float,
    threshold: float,
    overwrite: bool,
    scorer: Optional[Callable],
) -> "ZeroShotClassifier":
    """Create a ZeroShotClassifier (the class checks the settings).

    DOCS: docs/zero_shot_classifier.md#config
    """
    return ZeroShotClassifier(
        nlp.vocab,
        name,
        labels=labels,
        label_descriptions=label_descriptions,
        hypothesis_template=hypothesis_template,
        multi_label=multi_label,
        backend=backend,
        model=model,
        depth=depth,
        batch_size=batch_size,
        max_length=max_length,
        temperature=temperature,
        threshold=threshold,
        overwrite=overwrite,
        scorer=scorer,
    )


class ZeroShotClassifier(Pipe):
    """Zero-shot text classification: scores each document against label names.

    Backends: "nli" scores "premise = doc text, hypothesis = template(label)"
    with an NLI model; "embedding" compares sentence embeddings. Scores go into
    doc.cats, one float per candidate label.

    DOCS: docs/zero_shot_classifier.md
    """

    def __init__(
        self,
        vocab: Vocab,
        name: str = "zero_shot_classifier",
        *,
        labels: List[str],
        label_descriptions: Dict[str, str],
        hypothesis_template: Optional[str],
        multi_label: bool,
        backend: str,
        model: Optional[str],
        batch_size: int,
        max_length: Optional[int],
        temperature: float,
        threshold: float,
        overwrite: bool,
        scorer: Optional[Callable] = None,
        depth: Optional[int] = None,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): The shared vocabulary.
        name (str): The component instance name.
        labels (List[str]): Default candidate labels.
        label_descriptions (Dict[str, str]): Optional label -> text put into the template instead of the label.
        hypothesis_template (Optional[str]): Template with one "{}" for the label text; None = backend default.
        multi_label (bool): Score labels independently instead of a distribution over them.
        backend (str): "nli" or "embedding".
        model (Optional[str]): Local model directory or downloaded encoder name ("mpnet-base"); None = the
            packaged MiniLM (embedding only).
        batch_size (int): (document, label) pairs (nli) or texts (embedding) per forward pass.
        max_length (Optional[int]): Token limit per sequence; None = the model's.
        temperature (float): Embedding backend: divides cosine similarities before softmax/sigmoid.
        threshold (float): Embedding backend, multi-label: cosine similarity that maps to 0.5.
        overwrite (bool): Whether existing doc.cats entries may be overwritten.
        scorer (Optional[Callable]): The scoring method.
        depth (Optional[int]): Keep only the bottom `depth` transformer layers of the model (faster; see
            docs/encoder_depth.md); None keeps them all.
        """
        self.vocab = vocab
        self.name = name
        self.model = None  # no Thinc model: the backend is loaded lazily, see _get_backend
        self.scorer = scorer
        self.cfg: Dict[str, Any] = {
            "labels": labels,
            "label_descriptions": label_descriptions,
            "hypothesis_template": hypothesis_template,
            "multi_label": multi_label,
            "backend": backend,
            "model": model,
            "depth": depth,
            "batch_size": batch_size,
            "max_length": max_length,
            "temperature": temperature,
            "threshold": threshold,
            "overwrite": overwrite,
        }
        # Checked as given, then normalised: a bad value gets E250 rather than the error of a conversion.
        check_settings(self.cfg)
        self.cfg.update(
            labels=list(labels),
            label_descriptions=dict(label_descriptions),
            multi_label=bool(multi_label),
            temperature=float(temperature),
            threshold=float(threshold),
            overwrite=bool(overwrite),
        )
        self._backend: Any = None
        install_extensions()

    @property
    def labels(self) -> Tuple[str, ...]:
        """The configured candidate labels."""
        return tuple(self.cfg["labels"])

    @property
    def hypothesis_template(self) -> str:
        """The template in use: the configured one or the backend's default."""
        return self.cfg["hypothesis_template"] or DEFAULT_TEMPLATES[self.cfg["backend"]]

    @property
    def model_path(self) -> Path:
        """The backend's model directory (the packaged MiniLM when model is null; the cache for "mpnet-base")."""
        from ..layers.packaged_encoders import is_packaged_encoder, packaged_encoder_path

        if is_packaged_encoder(self.cfg["model"]):
            return packaged_encoder_path(self.cfg["model"])
        if self.cfg["model"] is not None:
            return Path(self.cfg["model"])
        from .io import default_embedding_model_path

        return default_embedding_model_path()

    def _get_backend(self) -> Any:
        # In a worker forked by nlp.pipe(n_process=...), torch must go single-threaded.
        from ..layers.fork import avoid_fork_deadlock

        avoid_fork_deadlock()
        backend = self._backend
        if backend is None:
            with _LOAD_LOCK:
                if self._backend is None:
                    from .torch_model import EmbeddingBackend, NLIBackend

                    cls = NLIBackend if self.cfg["backend"] == "nli" else EmbeddingBackend
                    self._backend = cls(
                        self.model_path,
                        batch_size=self.cfg["batch_size"],
                        max_length=self.cfg["max_length"],
                        depth=self.cfg.get("depth"),
                    )
                backend = self._backend
        return backend

    def _doc_labels(self, doc: Doc) -> List[str]:
        own = doc._.get(CANDIDATE_LABELS_ATTR)
        if own is None:
            return list(self.cfg["labels"])
        checked = check_label_list(own)
        if checked is None:
            raise ValueError(Errors.E252.format(value=own))
        return checked

    def __call__(self, doc: Doc) -> Doc:
        """Classify one document. DOCS: docs/zero_shot_classifier.md#call"""
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Classify a stream of documents, all (doc, label) pairs of a batch together.

        DOCS: docs/zero_shot_classifier.md#pipe
        """
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as e:
                error_handler(self.name, self, docs, e)

    def predict(self, docs: Iterable[Doc]) -> List[LabelScores]:
        """Score every document against its candidate labels, without changing the docs.

        docs (Iterable[Doc]): The documents.
        RETURNS (List[LabelScores]): Per doc, its labels and their scores.

        DOCS: docs/zero_shot_classifier.md#predict
        """
        docs = list(docs)
        label_lists = []
        for doc in docs:
            labels = self._doc_labels(doc)
            if not labels and doc.text.strip():
                raise ValueError(Errors.E251.format(name=self.name))
            label_lists.append(labels)
        results: List[LabelScores] = [(labels, numpy.zeros((len(labels),), dtype="float32")) for labels in label_lists]
        # Empty (or whitespace-only) docs get 0.0 for every label and never reach the model.
        todo = [i for i, doc in enumerate(docs) if doc.text.strip()]
        if not todo:
            return results
        cfg = self.cfg
        texts = [docs[i].text for i in todo]
        hypotheses = [label_texts(label_lists[i], self.hypothesis_template, cfg["label_descriptions"]) for i in todo]
        for i, scores in zip(todo, self._get_backend().scores(texts, hypotheses, cfg)):
            results[i] = (label_lists[i], scores)
        return results

    def set_annotations(self, docs: Iterable[Doc], preds: List[LabelScores]) -> None:
        """Write one float per candidate label into doc.cats.

        docs (Iterable[Doc]): The documents.
        preds (List[LabelScores]): The output of predict.

        DOCS: docs/zero_shot_classifier.md#set_annotations
        """
        docs = list(docs)
        check_n_preds(docs, preds, "E258")
        for doc, (labels, scores) in zip(docs, preds):
            if not self.cfg["overwrite"]:
                for label in labels:
                    if label in doc.cats:
                        raise ValueError(Errors.E257.format(label=label, name=self.name))
            for label, score in zip(labels, scores):
                doc.cats[label] = float(score)

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Example]]] = None,
        *,
        nlp: Optional[Language] = None,
        labels: Optional[List[str]] = None,
    ) -> None:
        """Load the backend model now (instead of on the first doc), optionally setting labels.

        get_examples (Optional[Callable]): Ignored apart from validation; zero-shot needs no data.
        nlp (Optional[Language]): The pipeline.
        labels (Optional[List[str]]): Replaces the configured labels when given.

        DOCS: docs/zero_shot_classifier.md#initialize
        """
        if get_examples is not None:
            validate_get_examples(get_examples, "ZeroShotClassifier.initialize")
        if labels is not None:
            if check_label_list(labels) is None:
                raise ValueError(Errors.E250.format(key="labels", value=labels, detail="expected unique strings"))
            self.cfg["labels"] = list(labels)
        self._get_backend()

    def add_label(self, label: str) -> int:
        """Add a candidate label. RETURNS (int): 0 if it was there already, else 1."""
        if not isinstance(label, str) or not label.strip():
            raise ValueError(Errors.E250.format(key="label", value=label, detail="expected a non-empty string"))
        if label in self.cfg["labels"]:
            return 0
        self.cfg["labels"].append(label)
        return 1

    def __getstate__(self) -> Dict[str, Any]:
        # Pickle (and nlp.pipe(n_process=...)) without the loaded model: it reloads lazily.
        state = self.__dict__.copy()
        state["_backend"] = None
        return state

    # Serialization: the cfg is the whole state. The model is referenced by path
    # (or by the installed package when model is null), never copied.
    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """Serialize the cfg. DOCS: docs/zero_shot_classifier.md#serialization"""
        return to_bytes({"cfg": lambda: self.cfg}, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "ZeroShotClassifier":
        """Load the cfg from bytes."""
        from_bytes(bytes_data, {"cfg": self._load_cfg}, exclude)
        return self

    def to_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> None:
        """Write the cfg to path/cfg."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        # stdlib json: srsly's ujson writes 0.3 as 0.30000000000000004.
        (path / "cfg").write_text(json.dumps(self.cfg, indent=2), encoding="utf8")

    def from_disk(self, path: Any, *, exclude: Iterable[str] = tuple()) -> "ZeroShotClassifier":
        """Read the cfg from path/cfg."""
        self._load_cfg(json.loads((ensure_path(path) / "cfg").read_text(encoding="utf8")))
        return self

    def _load_cfg(self, cfg: Dict[str, Any]) -> None:
        rebuild = any(cfg.get(key) != self.cfg.get(key) for key in ("backend", "model", "depth", "batch_size", "max_length"))
        self.cfg.update(cfg)
        if rebuild:
            self._backend = None
