"""The `torchmoji` pipeline component: DeepMoji emotion classification.

No torch import here: spaCy imports this module on every spacy.blank().
"""

from itertools import islice
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.errors import Errors as SpacyErrors
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, set_dropout_rate

from ..errors import Errors, check_n_preds
from ..layers.torch import get_torch_module
from . import training  # noqa: F401  (registers the scorer and batcher)
from .extensions import USER_DATA_KEY, install_extensions
from .model import TORCH_REF, chain_thaw_schedule, set_trainable
from .settings import check_settings

default_model_config = """
[model]
@architectures = "spacy_transfer.TorchMojiPretrained.v1"
name = "goemotions"
embed_dropout = 0.1
final_dropout = 0.5
"""
DEFAULT_TORCHMOJI_MODEL = Config().from_str(default_model_config)["model"]

# The full-size DeepMoji network, untrained: for training or for torchMoji's weights (a variant for configs to
# copy, as textcat.py keeps one string per model variant; docs/torchmoji.md points here).
TRAINABLE_TORCHMOJI_MODEL_STR = """
[model]
@architectures = "spacy_transfer.TorchMoji.v2"
n_tokens = 50000
embed_width = 256
hidden_width = 512
max_length = 64
embed_dropout = 0.1
final_dropout = 0.5
multi_label = true
nO = null
"""

Predictions = Tuple[numpy.ndarray, numpy.ndarray, List[List[Tuple[int, int, List[float]]]]]


@Language.factory(
    "torchmoji",
    assigns=["doc.cats"],
    default_config={
        "model": DEFAULT_TORCHMOJI_MODEL,
        "threshold": 0.5,
        "thresholds": {},
        "finetune_method": "full",
        "chain_thaw_steps": 500,
        "overwrite": False,
        "scorer": {"@scorers": "spacy_transfer.torchmoji_scorer.v1"},
    },
    default_score_weights={
        "cats_macro_f": 1.0,
        "cats_micro_f": 0.0,
        "cats_macro_auc": 0.0,
    },
)
def make_torchmoji(
    nlp: Language,
    name: str,
    model: Model,
    threshold: float,
    thresholds: Dict[str, float],
    finetune_method: str,
    chain_thaw_steps: int,
    overwrite: bool,
    scorer: Optional[Callable],
) -> "TorchMojiClassifier":
    """Create a torchmoji component (DeepMoji emotions, multi- or single-label).

    model (Model): a spacy_transfer.TorchMoji.v2 (or v1) / TorchMojiPretrained.v1 model.
    threshold (float): decision threshold for labels without their own.
    thresholds (Dict[str, float]): per-label thresholds (override the model's).
    finetune_method (str): 'full', 'last', 'new' or 'chain-thaw'.
    chain_thaw_steps (int): updates per layer group for 'chain-thaw'.
    overwrite (bool): replace existing torchmoji annotation instead of raising.
    scorer (Optional[Callable]): the scoring method.
    """
    return TorchMojiClassifier(
        nlp.vocab, model, name, threshold=threshold, thresholds=thresholds,
        finetune_method=finetune_method, chain_thaw_steps=chain_thaw_steps,
        overwrite=overwrite, scorer=scorer,
    )  # fmt: skip


class TorchMojiClassifier(TrainablePipe):
    """DeepMoji classifier writing doc.cats, doc._.emotions, span._.emotions per
    sentence and doc._.torchmoji_vector.

    DOCS: docs/torchmoji.md
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "torchmoji",
        *,
        threshold: float,
        thresholds: Optional[Dict[str, float]],
        finetune_method: str,
        chain_thaw_steps: int,
        overwrite: bool,
        scorer: Optional[Callable] = None,
    ) -> None:
        thresholds = dict(thresholds or {})
        check_settings(
            {
                "threshold": threshold,
                "thresholds": thresholds,
                "finetune_method": finetune_method,
                "chain_thaw_steps": chain_thaw_steps,
            }
        )
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        pretrained_labels = model.attrs.get("labels", [])
        model_thresholds = dict(model.attrs.get("thresholds", {}))
        self.cfg: Dict[str, Any] = {
            "labels": list(pretrained_labels),
            "threshold": float(threshold),
            "thresholds": {**model_thresholds, **thresholds},
            "finetune_method": finetune_method,
            "chain_thaw_steps": chain_thaw_steps,
            "overwrite": overwrite,
            "multi_label": bool(model.attrs.get("multi_label", True)),
            "n_tokens": model.attrs.get("n_tokens"),
        }
        self._n_updates = 0
        install_extensions()

    @property
    def labels(self) -> Tuple[str, ...]:
        """RETURNS (Tuple[str]): the labels, in output order."""
        return tuple(self.cfg["labels"])

    def add_label(self, label: str) -> int:
        """Add a label before initialize. RETURNS (int): 0 if it existed, else 1."""
        if "pretrained" in self.model.attrs:
            raise ValueError(Errors.E164.format(name=self.model.attrs["pretrained"], label=label))
        if label in self.cfg["labels"]:
            return 0
        if self.model.has_ref(TORCH_REF):
            raise ValueError(SpacyErrors.E922.format(name=self.name))
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def predict(self, docs: Iterable[Doc]) -> Predictions:
        """Score docs and their sentences without changing them.

        RETURNS (Predictions): doc probabilities, doc features, and per doc a list
            of (start, end, probabilities) per sentence.
        """
        docs = list(docs)
        n_labels = len(self.labels)
        if not any(len(doc) for doc in docs):
            width = self.model.get_dim("nF")
            return (numpy.zeros((len(docs), n_labels), dtype="f"),
                    numpy.zeros((len(docs), width), dtype="f"), [[] for _ in docs])  # fmt: skip
        if not self.model.has_ref(TORCH_REF):
            raise ValueError(SpacyErrors.E109.format(name=self.name))
        # Empty docs are not run: they get zero scores and no emotions.
        owners: List[Tuple[int, int, int]] = []  # (doc index, start, end); end -1: whole doc
        items: List[Any] = []
        for i, doc in enumerate(docs):
            if not len(doc):
                continue
            owners.append((i, 0, -1))
            items.append(doc)
            if doc.has_annotation("SENT_START"):
                sents = list(doc.sents)
                if len(sents) > 1:
                    for sent in sents:
                        owners.append((i, sent.start, sent.end))
                        items.append(sent)
        probs, features = self.model.predict(items)
        probs = self.model.ops.to_numpy(probs)
        features = self.model.ops.to_numpy(features)
        doc_probs = numpy.zeros((len(docs), n_labels), dtype="f")
        doc_features = numpy.zeros((len(docs), features.shape[1]), dtype="f")
        sents: List[List[Tuple[int, int, List[float]]]] = [[] for _ in docs]
        for row, (i, start, end) in enumerate(owners):
            if end == -1:
                doc_probs[i] = probs[row]
                doc_features[i] = features[row]
            else:
                sents[i].append((start, end, probs[row].tolist()))
        for i, doc in enumerate(docs):
            if len(doc) and not sents[i]:
                sents[i].append((0, len(doc), doc_probs[i].tolist()))
        return doc_probs, doc_features, sents

    def set_annotations(self, docs: Iterable[Doc], preds: Predictions) -> None:
        """Write doc.cats (every label) and the stored data behind the extensions."""
        docs = list(docs)
        probs, features, sents = preds
        check_n_preds(docs, probs, "E159")
        for i, doc in enumerate(docs):
            if not self.cfg["overwrite"]:
                clash = next((label for label in self.labels if label in doc.cats), None)
                if clash is not None or USER_DATA_KEY in doc.user_data:
                    raise ValueError(Errors.E158.format(label=clash, name=self.name))
            for j, label in enumerate(self.labels):
                doc.cats[label] = float(probs[i, j])
            doc.user_data[USER_DATA_KEY] = {
                "labels": list(self.labels),
                "threshold": self.cfg["threshold"],
                "thresholds": dict(self.cfg["thresholds"]),
                "multi_label": self.cfg["multi_label"],
                "sents": [[start, end, scores] for start, end, scores in sents[i]],
                "vector": numpy.asarray(features[i], dtype="float32"),
            }

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Any] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Learn from a batch of examples (fine-tuning method applied per step)."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "TorchMojiClassifier.update")
        examples = [eg for eg in examples if len(eg.predicted)]
        if not examples:
            return losses
        self._apply_finetune_method()
        set_dropout_rate(self.model, drop)
        (probs, _), backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_probs = self.get_loss(examples, (probs, None))
        backprop(d_probs)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        self._n_updates += 1
        return losses

    def _apply_finetune_method(self) -> None:
        method = self.cfg["finetune_method"]
        stage = None
        if method == "chain-thaw":
            stage = chain_thaw_schedule(self.cfg["chain_thaw_steps"])(self._n_updates)
        set_trainable(self.model, method, stage)

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, Any]:
        """Binary (multi-label) or categorical cross-entropy, mean over docs.

        scores: (probabilities, features) as the model returns them.
        RETURNS (Tuple[float, Floats2d]): the loss and the gradient w.r.t. the logits.
        """
        validate_examples(examples, "TorchMojiClassifier.get_loss")
        probs = scores[0]
        ops = self.model.ops
        truths, mask = self._examples_to_truth(examples, probs.shape)
        truths = ops.asarray2f(truths)
        mask = ops.asarray2f(mask)
        n_docs = max(probs.shape[0], 1)
        d_probs = (probs - truths) * mask / n_docs
        p = ops.xp.clip(probs, 1e-7, 1 - 1e-7)
        if self.cfg["multi_label"]:
            loss = -(truths * ops.xp.log(p) + (1 - truths) * ops.xp.log(1 - p)) * mask
        else:
            loss = -(truths * ops.xp.log(p)) * mask
        return float(loss.sum() / n_docs), d_probs

    def _examples_to_truth(self, examples, shape) -> Tuple[numpy.ndarray, numpy.ndarray]:
        truths = numpy.zeros(shape, dtype="f")
        mask = numpy.ones(shape, dtype="f")
        for i, eg in enumerate(examples):
            for j, label in enumerate(self.labels):
                if label in eg.reference.cats:
                    truths[i, j] = eg.reference.cats[label]
                else:
                    mask[i, j] = 0.0
        return truths, mask

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        labels: Optional[Iterable[str]] = None,
        vocab_path: Optional[str] = None,
        weights_path: Optional[str] = None,
    ) -> None:
        """Set labels, vocabulary and (optionally) torchMoji's pretrained weights.

        labels (Optional[Iterable[str]]): the labels; read from the examples if None.
        vocab_path (Optional[str]): torchMoji's vocabulary.json (or one of that format).
        weights_path (Optional[str]): torchMoji's pytorch_model.bin; its output layer
            is kept only if it has as many labels as this component.
        """
        validate_get_examples(get_examples, "TorchMojiClassifier.initialize")
        if "pretrained" in self.model.attrs:
            self._n_updates = 0
            return  # built and filled by TorchMojiPretrained.v1
        if self.cfg["finetune_method"] == "new" and weights_path:
            raise ValueError(Errors.E155.format(key="finetune_method", value="new",
                detail="'new' trains from random weights; remove weights_path or use 'full'"))  # fmt: skip
        if labels is not None:
            for label in labels:
                self.add_label(label)
        else:
            for eg in islice(get_examples(), 1000):
                for label in eg.reference.cats:
                    self.add_label(label)
        if not self.labels:
            raise ValueError(SpacyErrors.E143.format(name=self.name))
        doc_sample = [eg.reference for eg in islice(get_examples(), 10)]
        if not doc_sample:
            raise ValueError(SpacyErrors.E923.format(name=self.name))
        from .io import (
            load_original_checkpoint,
            read_vocabulary,
            widths_from_state_dict,
        )
        from .model import load_state_dict

        if vocab_path is None:
            raise ValueError(Errors.E151.format(path=None))
        vocab = read_vocabulary(vocab_path)
        if self.model.attrs["n_tokens"] is None:
            self.model.attrs["n_tokens"] = len(vocab)
        self.cfg["n_tokens"] = self.model.attrs["n_tokens"]
        self.model.set_dim("nO", len(self.labels))
        self.model.initialize()
        if weights_path:
            state = load_original_checkpoint(weights_path)
            widths = widths_from_state_dict(state, weights_path)
            skip = widths.get("nO") != len(self.labels)
            load_state_dict(self.model, state, vocab, path=weights_path, skip_output=skip)
        else:
            from .model import load_vocab

            load_vocab(self.model, vocab)
        self._n_updates = 0
        self._apply_finetune_method()

    def _initialize_before_deserializing(self) -> None:
        """Rebuild the torch module from cfg so saved weights can load into it."""
        if self.model.has_ref(TORCH_REF) or not self.labels:
            return
        if self.model.attrs.get("n_tokens") is None:
            self.model.attrs["n_tokens"] = self.cfg["n_tokens"]
        self.model.set_dim("nO", len(self.labels))
        self.model.initialize()

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        import srsly

        cfg = srsly.msgpack_loads(bytes_data)["cfg"]
        self.cfg.update(srsly.json_loads(cfg) if isinstance(cfg, str) else cfg)
        self._initialize_before_deserializing()
        return super().from_bytes(bytes_data, exclude=exclude)

    def from_disk(self, path, *, exclude=tuple()):
        from pathlib import Path

        import srsly

        cfg_path = Path(path) / "cfg"
        if cfg_path.exists():
            self.cfg.update(srsly.read_json(cfg_path))
        self._initialize_before_deserializing()
        return super().from_disk(path, exclude=exclude)

    def trainable_parameters(self) -> Dict[str, int]:
        """RETURNS (Dict[str, int]): trainable parameter count per layer group."""
        module = get_torch_module(self.model)
        return {name: sum(p.numel() for p in params if p.requires_grad)
                for name, params in module.layer_groups()}  # fmt: skip
